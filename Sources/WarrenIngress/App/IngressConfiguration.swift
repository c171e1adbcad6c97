import Foundation
import Topology

/// The ingress's settings, from the environment only; README ("Ingress configuration") lists
/// them. A missing or malformed value stops `warren ingress` at start with a message naming it.
public struct IngressConfiguration: Sendable {
    /// The broker the RPC client publishes commands and RPC requests to.
    public var amqpURL: String
    /// Where views and command outcomes are read, as a read-only role (`warren_reader`).
    public var readDatabaseURL: String
    public var host = "0.0.0.0"
    public var port = 8080
    /// Request bodies above this answer 413.
    public var maxBodyBytes = 1_048_576
    /// How long a command route waits for the outcome when its route gives no `timeout`.
    public var commandTimeout: Duration = .seconds(5)
    public var topologyDirectory = "topology"
    /// Read connections open at most at once (each is one PostgreSQL backend).
    public var readConnections = 4
    /// Largest `size` a view page may ask for.
    public var maxPageSize = 1000

    public init(amqpURL: String, readDatabaseURL: String) {
        self.amqpURL = amqpURL
        self.readDatabaseURL = readDatabaseURL
    }

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads `AMQP_URL`, `READ_DATABASE_URL` (else `DATABASE_URL`), `INGRESS_HOST`,
    /// `INGRESS_PORT`, `MAX_BODY_BYTES`, `COMMAND_TIMEOUT`, `TOPOLOGY_DIR`, `READ_CONNECTIONS`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> IngressConfiguration {
        func value(_ name: String) -> String? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            return text
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw Problem(description: "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got `\(text)`")
            }
            return number
        }
        guard let amqp = value("AMQP_URL") else {
            throw Problem(description: "AMQP_URL is not set: the broker, e.g. amqp://user:password@127.0.0.1:5672/%2f")
        }
        guard amqp.hasPrefix("amqp://") || amqp.hasPrefix("amqps://") else {
            throw Problem(description: "AMQP_URL must start with amqp:// or amqps://, got `\(amqp.prefix(8))...`")
        }
        let readName = value("READ_DATABASE_URL") != nil ? "READ_DATABASE_URL" : "DATABASE_URL"
        guard let database = value(readName) else {
            throw Problem(description: "READ_DATABASE_URL is not set (nor DATABASE_URL): the database as the read-only role, e.g. postgres://warren_reader:password@127.0.0.1:5432/warren")
        }
        guard database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") else {
            throw Problem(description: "\(readName) must start with postgres:// or postgresql://")
        }
        var configuration = IngressConfiguration(amqpURL: amqp, readDatabaseURL: database)
        if let host = value("INGRESS_HOST") { configuration.host = host }
        if let port = try integer("INGRESS_PORT", 0...65535) { configuration.port = port }
        if let limit = try integer("MAX_BODY_BYTES", 1...1_073_741_824) { configuration.maxBodyBytes = limit }
        if let count = try integer("READ_CONNECTIONS", 1...64) { configuration.readConnections = count }
        if let text = value("COMMAND_TIMEOUT") {
            guard let interval = Interval(parsing: text), interval.milliseconds <= 600_000 else {
                throw Problem(description: "COMMAND_TIMEOUT must be a duration from 0ms to 10m such as 250ms, 5s or 1m, got `\(text)`")
            }
            configuration.commandTimeout = .milliseconds(interval.milliseconds)
        }
        if let directory = value("TOPOLOGY_DIR") { configuration.topologyDirectory = directory }
        return configuration
    }
}
