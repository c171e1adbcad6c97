import Foundation
import Logging
import Postgres
import Testing
@testable import Warren

@Suite struct InboxPruningTests {
    @Test func recordsOlderThanTheRetentionAreDeletedAndNewerOnesKept() async throws {
        try await RuntimeHarness.with { harness in
            let worker = try await harness.start()
            try await harness.deposit("a", 1, messageId: "old")
            try await harness.deposit("a", 2, messageId: "new")
            try await harness.eventually("both deposits handled") { try await harness.balance("a") == 3 }
            try await worker.stop()

            let database = try await PostgresConnection.connect(PostgresConfiguration(url: harness.databaseURL), logger: harness.logger)
            defer { Task { await database.close() } }
            try await database.execute("UPDATE ledger.warren_inbox SET received_at = now() - interval '8 days' WHERE message_id = 'old'", [])
            let pruning = InboxPruning(schema: ContextSchema(context: "ledger"), retention: .seconds(7 * 24 * 3600))
            #expect(try await pruning.prune(database) == 1)
            #expect(try await harness.query("SELECT message_id FROM ledger.warren_inbox", String.self) == ["new"])
        }
    }
}
