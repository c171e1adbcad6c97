import Foundation
import Logging
import Postgres

/// The server the integration tests use: `DATABASE_URL`, or the local development server.
enum TestDatabase {
    static let url = ProcessInfo.processInfo.environment["DATABASE_URL"]
        ?? "postgres://warren:warren@127.0.0.1:5432/warren"

    static var configuration: PostgresConfiguration {
        get throws { try PostgresConfiguration(url: url) }
    }

    static let logger = Logger(label: "warren.postgres.tests")

    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration, logger: logger)
    }

    /// Runs `body` with a fresh connection and a table name no other test uses; drops the table after.
    static func withTable<Result>(
        _ prefix: String, _ body: (PostgresConnection, String) async throws -> Result
    ) async throws -> Result {
        let connection = try await connect()
        let table = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        do {
            let result = try await body(connection, table)
            try await connection.execute("DROP TABLE IF EXISTS \(unescaped: table)")
            await connection.close()
            return result
        } catch {
            let cleanup = try? await connect()
            _ = try? await cleanup?.execute("DROP TABLE IF EXISTS \(unescaped: table)")
            await cleanup?.close()
            await connection.close()
            throw error
        }
    }
}
