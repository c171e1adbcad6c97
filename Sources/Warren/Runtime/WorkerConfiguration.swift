import Foundation

/// A worker's settings, from the environment only (12-factor). A missing or malformed value
/// stops the worker at start with a message naming the variable; README lists them all.
public struct WorkerConfiguration: Sendable {
    public var amqpURL: String
    public var databaseURL: String
    /// Handlers running at once, each with its own database connection.
    public var concurrency = 4
    /// Deliveries per lane whose calls before the transaction (RPCs) may be under way at once.
    public var callsAhead = 8
    /// Queued deliveries a lane commits in one transaction (group commit); 1 commits each alone.
    public var commitTogether = 8
    /// Overrides every queue's prefetch from the topology when set.
    public var prefetch: Int?
    /// Port of /livez, /readyz and /metrics; 0 turns the server off.
    public var healthPort = 8080
    /// How long a SIGTERM waits for in-flight deliveries before closing anyway.
    public var shutdownGrace: Duration = .seconds(20)
    public var topologyDirectory = "topology"
    /// How often the outbox relay looks for unsent rows.
    public var relayInterval: Duration = .seconds(1)
    /// How long the inbox remembers a handled message (and a request's reply).
    public var inboxRetention: Duration = .seconds(7 * 24 * 3600)
    /// Seconds one delivery may take before `/livez` calls the worker wedged.
    public var handlerStuckAfterSeconds: Int64 = 300
    /// When the circuit of an RPC target opens and how it recovers (`RPC_BREAKER_*`).
    public var breaker = CircuitBreaker.Settings()

    public init(amqpURL: String, databaseURL: String) {
        self.amqpURL = amqpURL
        self.databaseURL = databaseURL
    }

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads `AMQP_URL`, `DATABASE_URL`, `CONCURRENCY`, `CALLS_AHEAD`, `COMMIT_TOGETHER`, `PREFETCH`, `HEALTH_PORT`,
    /// `SHUTDOWN_GRACE_SECONDS`, `TOPOLOGY_DIR`, `RELAY_INTERVAL_MS`, `INBOX_RETENTION_HOURS`, `HANDLER_STUCK_SECONDS`, `RPC_BREAKER_*`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> WorkerConfiguration {
        try fromEnvironment(environment, needsDatabaseURL: true)
    }

    /// The same; `DATABASE_URL` may be absent when the context keeps its state elsewhere (an
    /// embedded store), and is then empty.
    package static func fromEnvironment(_ environment: [String: String], needsDatabaseURL: Bool) throws -> WorkerConfiguration {
        func required(_ name: String, hint: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else {
                throw Problem(description: "\(name) is not set: \(hint)")
            }
            return value
        }
        let integer = EnvironmentValues(environment: environment).integer
        let amqp = try required("AMQP_URL", hint: "the broker, e.g. amqp://user:password@127.0.0.1:5672/%2f")
        guard amqp.hasPrefix("amqp://") || amqp.hasPrefix("amqps://") else {
            throw Problem(description: "AMQP_URL must start with amqp:// or amqps://, got `\(amqp.prefix(8))...`")
        }
        let database = needsDatabaseURL || environment["DATABASE_URL"]?.isEmpty == false
            ? try required("DATABASE_URL", hint: "the database, e.g. postgres://user:password@127.0.0.1:5432/warren") : ""
        guard !needsDatabaseURL || database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") else {
            throw Problem(description: "DATABASE_URL must start with postgres:// or postgresql://")
        }
        var configuration = WorkerConfiguration(amqpURL: amqp, databaseURL: database)
        if let value = try integer("CONCURRENCY", 1...256) { configuration.concurrency = value }
        if let value = try integer("CALLS_AHEAD", 1...256) { configuration.callsAhead = value }
        if let value = try integer("COMMIT_TOGETHER", 1...256) { configuration.commitTogether = value }
        configuration.prefetch = try integer("PREFETCH", 1...65535)
        if let value = try integer("HEALTH_PORT", 0...65535) { configuration.healthPort = value }
        if let value = try integer("SHUTDOWN_GRACE_SECONDS", 0...3600) { configuration.shutdownGrace = .seconds(value) }
        if let value = try integer("RELAY_INTERVAL_MS", 10...3_600_000) { configuration.relayInterval = .milliseconds(value) }
        if let value = environment["TOPOLOGY_DIR"], !value.isEmpty { configuration.topologyDirectory = value }
        if let value = try integer("INBOX_RETENTION_HOURS", 1...87_600) { configuration.inboxRetention = .seconds(value * 3600) }
        if let value = try integer("HANDLER_STUCK_SECONDS", 1...86_400) { configuration.handlerStuckAfterSeconds = Int64(value) }
        configuration.breaker = try CircuitBreaker.Settings.fromEnvironment(environment)
        return configuration
    }
}
