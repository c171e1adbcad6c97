import Foundation
import Logging
import Postgres
import Testing
@testable import Warren

/// A system's database is made on its first worker's start (each system has one of its own),
/// and only when the server says it is missing.
@Suite struct DatabaseCreationTests {
    static let serverURL = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://warren:warren@127.0.0.1:5432/warren"
    let logger = Logger(label: "test.database-creation")

    @Test func aMissingDatabaseIsCreatedAndThenReachable() async throws {
        var configuration = try PostgresConfiguration(url: Self.serverURL)
        let name = "warren_created_\(UUID().uuidString.prefix(8).lowercased())"
        configuration.database = name
        let refused: (any Error)?
        do {
            _ = try await PostgresConnection.connect(configuration, logger: logger)
            refused = nil
        } catch {
            refused = error
        }
        let error = try #require(refused, "the database \(name) should not exist yet")
        #expect(await DatabaseCreation.createIfMissing(configuration, after: error, logger: logger))
        let connection = try await PostgresConnection.connect(configuration, logger: logger)
        #expect(try await connection.query("SELECT current_database()", []).first?.decode(String.self, at: 0) == name)
        await connection.close()
        // A second replica that saw the same error finds it made: still true, nothing breaks.
        #expect(await DatabaseCreation.createIfMissing(configuration, after: error, logger: logger))

        let admin = try await PostgresConnection.connect(PostgresConfiguration(url: Self.serverURL), logger: logger)
        try await admin.execute("DROP DATABASE \(name) WITH (FORCE)", [])
        await admin.close()
    }

    @Test func anotherFailureCreatesNothing() async throws {
        var configuration = try PostgresConfiguration(url: Self.serverURL)
        configuration.database = "warren_never_\(UUID().uuidString.prefix(8).lowercased())"
        struct Unrelated: Error, CustomStringConvertible { var description = "connection refused" }
        #expect(await DatabaseCreation.createIfMissing(configuration, after: Unrelated(), logger: logger) == false)
    }
}
