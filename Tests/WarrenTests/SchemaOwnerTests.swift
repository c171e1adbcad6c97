import Foundation
import Logging
import Postgres
import Testing
@testable import Warren

/// Three systems have a `payment` context: pointed at one database, the second system's worker
/// would find the first one's `payment` schema migrated and run on tables that are not its own.
/// The schema remembers its system, and another system's worker is refused with the fix.
@Suite struct SchemaOwnerTests {
    @Test func aSchemaOfOneSystemRefusesAnotherSystemsContextOfTheSameName() async throws {
        try await RuntimeHarness.with { harness in
            let database = try await PostgresConnection.connect(PostgresConfiguration(url: harness.databaseURL), logger: harness.logger)
            defer { Task { await database.close() } }
            let schema = ContextSchema(context: "payment")
            let cleaning = [Migration(1, "payments", "CREATE TABLE payments (request_id bigint PRIMARY KEY)")]
            let library = [Migration(1, "payments", "CREATE TABLE payments (rental_id bigint PRIMARY KEY)")]

            #expect(try await schema.migrate(database, context: cleaning, system: "cleaning").contains("context 1 payments"))
            #expect(try await schema.migrate(database, context: cleaning, system: "cleaning").isEmpty, "its own system starts again")
            do {
                try await schema.migrate(database, context: library, system: "library")
                Issue.record("library's payment was let into cleaning's schema")
            } catch let refusal as ContextSchema.OwnedByAnotherSystem {
                #expect(refusal.owner == "cleaning" && refusal.system == "library")
                #expect(refusal.description.contains("belongs to the cleaning system, not to library"), "\(refusal)")
                #expect(refusal.description.contains("DATABASE_URL"), "\(refusal)")
            }
            let columns = try await database.query("""
                SELECT column_name FROM information_schema.columns WHERE table_schema = 'payment' AND table_name = 'payments'
                """, []).map { try $0.decode(String.self, at: 0) }
            #expect(columns == ["request_id"], "nothing of library's was applied")
        }
    }
}
