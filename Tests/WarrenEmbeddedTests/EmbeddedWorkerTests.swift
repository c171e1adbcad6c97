import Foundation
import GRDB
import Logging
import RabbitMQ
import Testing
import Warren
@testable import WarrenEmbedded

/// The reliability protocol with the state in SQLite, against the real broker: the `vault`
/// context of the depot test system runs on `WarrenEmbedded` with a temporary file.
@Suite struct EmbeddedWorkerTests {
    @Test func aDuplicateDeliveryHasOneEffectAndKoreanTextSurvives() async throws {
        try await VaultHarness.with { harness in
            let worker = try await harness.start()
            for _ in 0..<3 { try await harness.deposit("마포", 10, messageId: "same-id") }
            try await harness.deposit("마포", 1, messageId: "other-id")
            let events = try await harness.live.take(2, from: "audit.vault-events")
            let decoded = try events.map { try JSONDecoder().decode(Vault.Deposited.self, from: $0.body) }
            #expect(decoded == [Vault.Deposited(account: "마포", amount: 10, balance: 10), Vault.Deposited(account: "마포", amount: 1, balance: 11)])
            #expect(events[0].properties.headers?["causation-id"]?.stringValue == "same-id")
            #expect(events[0].properties.appId == "vault")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.live.messageCount("audit.vault-events") == 0, "duplicates must publish nothing")
            #expect(try await harness.balance("마포") == 11)
            #expect(try await harness.count("SELECT count(*) FROM warren_inbox") == 2)
            try await worker.stop()
            #expect(try await harness.count("SELECT count(*) FROM warren_outbox") == 0, "confirmed rows are deleted by the relay")
            #expect(try await harness.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        }
    }

    /// A crash after the commit, before the publish and the ack, leaves the effect and its outbox
    /// row in the file and the delivery in the queue: after a restart the row is relayed, the
    /// redelivery is recognized, and the deposit counts once.
    @Test func aCommitWhoseAckWasLostIsDedupedAndItsOutboxRowIsRelayedAfterARestart() async throws {
        try await VaultHarness.with { harness in
            let body = try JSONEncoder.warren.encode(Vault.Deposit(account: "crash", amount: 5))
            let envelope = Envelope(messageId: "m-crash", type: Vault.Deposit.type)
            // What the lane committed before the process died.
            try FileManager.default.createDirectory(atPath: (harness.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let pool = try DatabasePool(path: harness.path)
            _ = try await SQLiteStore.migrate(pool, context: Vault.context.migrations)
            let topology = try #require(harness.live.fleet.context(named: "vault"))
            let transaction = SQLiteTransaction(context: Vault.context, pool: pool, routes: Routes(context: topology, fleet: harness.live.fleet))
            let committed = try await transaction.run(body: body, envelope: envelope, queue: "vault.commands", logger: harness.live.logger)
            guard case .handled(let written, _) = committed else { Issue.record("the first handling was not committed: \(committed)"); return }
            #expect(written.count == 1)
            try pool.close()
            // The broker still holds the unacked delivery: it comes again.
            try await harness.deposit("crash", 5, messageId: "m-crash")

            let worker = try await harness.start()
            let events = try await harness.live.take(1, from: "audit.vault-events")
            #expect(try JSONDecoder().decode(Vault.Deposited.self, from: events[0].body) == Vault.Deposited(account: "crash", amount: 5, balance: 5))
            try await harness.live.eventually("the redelivery is consumed") { try await harness.live.messageCount("vault.commands") == 0 }
            try await harness.live.eventually("the relayed row is deleted after its confirm") {
                try await harness.count("SELECT count(*) FROM warren_outbox") == 0
            }
            #expect(try await harness.live.messageCount("audit.vault-events") == 0, "the redelivery must publish nothing")
            #expect(try await harness.balance("crash") == 5)
            try await worker.stop()
        }
    }

    @Test func stateAndUnsentMessagesSurviveAGracefulRestartOnTheSameFile() async throws {
        try await VaultHarness.with { harness in
            var worker = try await harness.start()
            try await harness.deposit("keep", 7, messageId: "k-1")
            _ = try await harness.live.take(1, from: "audit.vault-events")
            try await worker.stop()
            try await harness.deposit("keep", 7, messageId: "k-1")
            try await harness.deposit("keep", 3, messageId: "k-2")
            worker = try await harness.start()
            let events = try await harness.live.take(1, from: "audit.vault-events")
            #expect(try JSONDecoder().decode(Vault.Deposited.self, from: events[0].body).balance == 10)
            try await harness.live.eventually("both redelivered deposits are consumed") { try await harness.live.messageCount("vault.commands") == 0 }
            #expect(try await harness.balance("keep") == 10)
            try await worker.stop()
        }
    }

    @Test func aRetriedRequestGetsTheStoredReplyWithoutASecondEffect() async throws {
        try await VaultHarness.with { harness in
            let worker = try await harness.start()
            try await harness.live.withClient { client in
                let first = try await client.call(Vault.Charge(orderId: "o-1", amount: 30), messageId: "charge-o-1", deadline: LiveHarness.patience)
                // Same message id, different body: the inbox answers, the handler does not run again.
                let again = try await client.call(Vault.Charge(orderId: "o-1", amount: 99), messageId: "charge-o-1", deadline: LiveHarness.patience)
                #expect(first.approved && first == again)
                let declined = try await client.call(Vault.Charge(orderId: "o-2", amount: 0), deadline: LiveHarness.patience)
                #expect(declined == Vault.Charged(approved: false, reason: "amount 0 is not positive"))
            }
            #expect(try await harness.read { db in try Int.fetchAll(db, sql: "SELECT amount FROM charges") } == [30])
            try await worker.stop()
        }
    }

    @Test func aVoidBeforeTheChargeRefusesItAndAVoidAfterItMarksItVoided() async throws {
        try await VaultHarness.with { harness in
            let worker = try await harness.start()
            try await harness.live.publish(Vault.Void(orderId: "void-first"))
            try await harness.live.eventually("the early void is recorded") { try await harness.count("SELECT count(*) FROM voids") == 1 }
            try await harness.live.withClient { client in
                let refused = try await client.call(Vault.Charge(orderId: "void-first", amount: 10), deadline: LiveHarness.patience)
                #expect(refused == Vault.Charged(approved: false, reason: "order void-first was voided"))
                let charged = try await client.call(Vault.Charge(orderId: "void-after", amount: 10), deadline: LiveHarness.patience)
                #expect(charged.approved)
            }
            try await harness.live.publish(Vault.Void(orderId: "void-after"))
            try await harness.live.eventually("the late void marks the charge voided") {
                try await harness.read { db in try String.fetchAll(db, sql: "SELECT order_id FROM charges WHERE voided = 1") } == ["void-after"]
            }
            #expect(try await harness.count("SELECT count(*) FROM charges") == 1)
            try await worker.stop()
        }
    }

    @Test func aRequestNobodyTookInTimeIsCompensatedAndNeverProcessedLater() async throws {
        try await VaultHarness.with { harness in
            try await harness.live.withClient { client in
                await #expect(throws: RPCError.timedOut(target: "vault", after: .milliseconds(300))) {
                    _ = try await client.call(Vault.Charge(orderId: "o-late", amount: 30), deadline: .milliseconds(300))
                }
            }
            try await Task.sleep(for: .milliseconds(400))
            let worker = try await harness.start()
            try await harness.live.eventually("the compensation is handled") {
                try await harness.count("SELECT count(*) FROM voids WHERE order_id = 'o-late'") == 1
            }
            try await harness.live.eventually("the expired request left the queue") { try await harness.live.messageCount("vault.rpc") == 0 }
            #expect(try await harness.count("SELECT count(*) FROM charges") == 0, "an expired charge must never take effect")
            try await worker.stop()
        }
    }

    @Test func poisonAndRefusedMessagesAreDeadLetteredWithAReasonAndNothingIsHalfStored() async throws {
        try await VaultHarness.with { harness in
            let worker = try await harness.start()
            let connection = try await harness.live.connect()
            let channel = try await connection.openChannel()
            try await channel.enablePublisherConfirms()
            try await channel.publish(Data(#"{"account":"x","amount":"ten"}"#.utf8), exchange: "vault.commands", routingKey: "vault.Deposit",
                                      properties: BasicProperties(contentType: "application/json", deliveryMode: 2, messageId: "p-type",
                                                                  type: "vault.Deposit"))
            try await connection.close()
            try await harness.deposit("blocked", 5, messageId: "p-refused")
            let dead = try await harness.live.take(2, from: "vault.dead")
            let reasons = Dictionary(uniqueKeysWithValues: dead.map { ($0.properties.messageId ?? "", $0.properties.headers?[DeadLetter.reason]?.stringValue ?? "") })
            #expect(reasons == ["p-type": "schema-violation", "p-refused": "rejected"])
            #expect(try await harness.count("SELECT count(*) FROM accounts") == 0)
            #expect(try await harness.count("SELECT count(*) FROM warren_inbox") == 0, "a rolled-back handling leaves no inbox record")
            try await worker.stop()
        }
    }

    @Test func aPostgresWorkerRefusesAContextDeclaredSQLite() async throws {
        try await VaultHarness.with { harness in
            let worker = Worker(context: Vault.context.declaration, configuration: harness.live.configuration(), logger: harness.live.logger)
            await #expect {
                try await worker.run()
            } throws: { error in
                "\(error)".contains("declares `store: sqlite`")
            }
        }
    }
}
