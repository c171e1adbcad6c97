import BrokerAdmin
import Foundation
import Logging
import Postgres
import RabbitMQ

/// A system's own vhost and database on the local servers: `warren up hotel` runs in the vhost
/// `hotel` and the database `hotel`, so systems with same-named contexts (three have a
/// `payment`) never meet, and `warren up all` can run them side by side.
enum SystemNamespace {
    /// Creates the vhost (with the URL's user allowed everything on it) and the database when
    /// missing, and points AMQP_URL, DATABASE_URL and WARREN_READER_DATABASE_URL at them.
    static func prepare(system: String, environment: inout [String: String]) async throws {
        guard let amqp = environment["AMQP_URL"], let database = environment["DATABASE_URL"],
              let management = environment["RABBITMQ_MANAGEMENT_URL"] else {
            throw NamespaceError(description: "the servers' environment lacks AMQP_URL, DATABASE_URL or RABBITMQ_MANAGEMENT_URL")
        }
        let api = try ManagementAPI(url: management)
        let user = try RabbitMQ.Configuration(url: amqp).user
        try await api.putVirtualHost(system)
        try await api.putPermissions(vhost: system, user: user, configure: ".*", write: ".*", read: ".*")

        let connection = try await PostgresConnection.connect(PostgresConfiguration(url: database), logger: Logger(label: "warren.up"))
        let exists = try await !connection.query("SELECT 1 FROM pg_database WHERE datname = $1", [system]).isEmpty
        if !exists { try await connection.execute("CREATE DATABASE \"\(system)\"", []) }
        await connection.close()

        environment["AMQP_URL"] = replacingPath(of: amqp, with: system)
        environment["DATABASE_URL"] = replacingPath(of: database, with: system)
        if let reader = environment["WARREN_READER_DATABASE_URL"] {
            environment["WARREN_READER_DATABASE_URL"] = replacingPath(of: reader, with: system)
        }
    }

    /// `scheme://authority/old?query` with `/name` as its path; in a cluster's comma-separated
    /// list, every URL's (a bare `host:port` has no path).
    static func replacingPath(of url: String, with name: String) -> String {
        url.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.contains("://") ? replacingPath(ofOne: String($0), with: name) : String($0) }
            .joined(separator: ",")
    }

    private static func replacingPath(ofOne url: String, with name: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let query = rest[authorityEnd...].firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return String(url[..<authorityEnd]) + "/" + name + query
    }

    struct NamespaceError: Error, CustomStringConvertible {
        let description: String
    }
}
