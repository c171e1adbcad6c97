import Foundation
import Logging
import Postgres
import Testing
@testable import Warren

/// `Calls.claimId`: sequential ids, the same for every delivery of a message, committed before
/// the call that names them; pruned with the inbox.
@Suite struct IdClaimTests {
    @Test func aMessageKeepsItsNumberAndTheNextMessageTakesTheNextOne() async throws {
        try await RuntimeHarness.with { harness in
            let worker = try await harness.start()  // migrates the ledger schema
            try await worker.stop()
            var configuration = try PostgresConfiguration(url: harness.databaseURL)
            configuration.parameters["options"] = HandlerTransaction.searchPath(of: "ledger")
            let claims = IdClaims(schema: ContextSchema(context: "ledger"), configuration: configuration, logger: harness.logger)

            #expect(try await claims.claim("orders", for: "m-1") == 1)
            #expect(try await claims.claim("orders", for: "m-2") == 2)
            #expect(try await claims.claim("orders", for: "m-1") == 1, "a redelivery asks with the same id")
            #expect(try await claims.claim("refunds", for: "m-1") == 1, "each sequence counts on its own")
            #expect(try await claims.claim("orders", for: "m-3") == 3, "a repeated claim takes no number")

            // Another worker of the context (a replica) continues the same sequence.
            let replica = IdClaims(schema: ContextSchema(context: "ledger"), configuration: configuration, logger: harness.logger)
            #expect(try await replica.claim("orders", for: "m-3") == 3)
            #expect(try await replica.claim("orders", for: "m-4") == 4)
            await claims.close()
            await replica.close()
        }
    }

    @Test func concurrentClaimsOfOneMessageAgreeAndDistinctMessagesNeverShareANumber() async throws {
        try await RuntimeHarness.with { harness in
            let worker = try await harness.start()
            try await worker.stop()
            var configuration = try PostgresConfiguration(url: harness.databaseURL)
            configuration.parameters["options"] = HandlerTransaction.searchPath(of: "ledger")
            let replicas = (0..<4).map { _ in IdClaims(schema: ContextSchema(context: "ledger"), configuration: configuration, logger: harness.logger) }
            let claimed = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for index in 0..<200 {
                    let replica = replicas[index % replicas.count]
                    let message = "m-\(index % 50)"  // each message claimed four times, by four replicas
                    group.addTask { (message, try await replica.claim("orders", for: message)) }
                }
                return try await group.reduce(into: [String: Set<Int>]()) { $0[$1.0, default: []].insert($1.1) }
            }
            #expect(claimed.count == 50)
            #expect(claimed.values.allSatisfy { $0.count == 1 }, "every claim of a message got one number: \(claimed)")
            #expect(Set(claimed.values.compactMap(\.first)).count == 50, "no number given to two messages")
            for replica in replicas { await replica.close() }
        }
    }

    @Test func claimsOlderThanTheRetentionArePrunedWithTheInbox() async throws {
        try await RuntimeHarness.with { harness in
            let worker = try await harness.start()
            try await worker.stop()
            let database = try await PostgresConnection.connect(PostgresConfiguration(url: harness.databaseURL), logger: harness.logger)
            defer { Task { await database.close() } }
            let claims = IdClaims(context: "ledger", database: database)
            _ = try await claims.claim("orders", for: "old")
            _ = try await claims.claim("orders", for: "new")
            try await database.execute("UPDATE ledger.warren_claims SET claimed_at = now() - interval '8 days' WHERE message_id = 'old'", [])
            try await InboxPruning(schema: ContextSchema(context: "ledger"), retention: .seconds(7 * 24 * 3600)).prune(database)
            #expect(try await harness.query("SELECT message_id FROM ledger.warren_claims", String.self) == ["new"])
            #expect(try await claims.claim("orders", for: "next") == 3, "the sequence goes on after pruning")
        }
    }
}
