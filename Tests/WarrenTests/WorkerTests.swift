import Foundation
import RabbitMQ
import Testing
@testable import Warren

/// The reliability protocol against the real broker and database (DESIGN.md, "Reliability protocol").
@Suite struct WorkerTests {
    @Test func aDepositIsHandledOnceAndItsEventPublished() async throws {
        try await RuntimeHarness.with { harness in
            let worker = try await harness.start()
            try await harness.deposit("alice", 30, messageId: "m-1")
            let events = try await harness.take(1, from: "audit.ledger-events")
            let event = try JSONDecoder().decode(Ledger.Deposited.self, from: events[0].body)
            #expect(event.account == "alice" && event.balance == 30)
            #expect(events[0].properties.type == "ledger.Deposited")
            #expect(events[0].properties.headers?["causation-id"]?.stringValue == "m-1")
            #expect(events[0].properties.correlationId == "m-1", "a message from outside starts its own conversation")
            #expect(events[0].properties.appId == "ledger")
            try await worker.stop()
            #expect(try await harness.balance("alice") == 30)
        }
    }

    @Test func aDuplicateDeliveryHasOneEffect() async throws {
        try await RuntimeHarness.with { harness in
            let worker = try await harness.start()
            for _ in 0..<3 { try await harness.deposit("bob", 10, messageId: "same-id") }
            try await harness.deposit("bob", 1, messageId: "other-id")
            _ = try await harness.take(2, from: "audit.ledger-events")
            try await harness.eventually("the last deposit is in") { try await harness.balance("bob") == 11 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.messageCount("audit.ledger-events") == 0, "duplicates must publish nothing")
            #expect(try await harness.balance("bob") == 11)
            try await worker.stop()
        }
    }

    @Test func queuedDeliveriesCommitTogetherEachOnceAndAFailingOneLeavesTheOthers() async throws {
        try await RuntimeHarness.with { harness in
            // Queued before the worker starts, so its one lane finds them waiting.
            var deposits = (1...40).map { (account: "group-\($0 % 4)", amount: 1, messageId: "g-\($0)") }
            deposits.insert((account: "blocked", amount: 1, messageId: "g-blocked"), at: 20)
            try await harness.depositAll(deposits)
            let worker = try await harness.start(concurrency: 1)
            _ = try await harness.take(40, from: "audit.ledger-events")
            let dead = try await harness.take(1, from: "ledger.dead")
            #expect(dead[0].properties.messageId == "g-blocked")
            for account in 0..<4 { #expect(try await harness.balance("group-\(account)") == 10) }
            // Inbox rows written by one transaction share its id.
            let transactions = try await harness.query("SELECT count(DISTINCT xmin::text)::bigint FROM ledger.warren_inbox", Int.self)[0]
            #expect(transactions < 40, "40 deliveries in \(transactions) transactions: some committed together")
            try await worker.stop()
        }
    }

    @Test func poisonMessagesAreDeadLetteredWithAReasonAndTheWorkerGoesOn() async throws {
        try await RuntimeHarness.with { harness in
            let worker = try await harness.start()
            try await harness.send(Data("{not json".utf8), messageId: "p-json")
            try await harness.send(Data(#"{"account":"carol","amount":"ten"}"#.utf8), messageId: "p-type")
            try await harness.send(Data(#"{"account":"carol"}"#.utf8), messageId: "p-missing")
            try await harness.send(Data(#"{"x":1}"#.utf8), type: "ledger.Withdraw", messageId: "p-unknown")
            try await harness.send(Data(#"{"account":"carol","amount":1}"#.utf8), messageId: nil)
            try await harness.send(Data("<xml/>".utf8), messageId: "p-xml", contentType: "text/xml")
            try await harness.send(Data([0xFF, 0x00, 0x13, 0x37]), messageId: "p-bytes", contentType: nil)
            try await harness.deposit("blocked", 5, messageId: "p-rejected")
            try await harness.deposit("carol", 7, messageId: "good")

            let dead = try await harness.take(8, from: "ledger.dead")
            var reasons: [String: String] = [:]
            for message in dead {
                reasons[message.properties.messageId ?? "none"] = message.properties.headers?[DeadLetter.reason]?.stringValue ?? "no reason header"
                #expect(message.properties.headers?[DeadLetter.originalQueue]?.stringValue == "ledger.commands")
                #expect(message.properties.headers?[DeadLetter.originalExchange]?.stringValue == "ledger.commands")
                #expect(message.properties.headers?[DeadLetter.message]?.stringValue?.isEmpty == false)
            }
            #expect(reasons == [
                "p-json": "schema-violation", "p-type": "schema-violation", "p-missing": "schema-violation",
                "p-unknown": "unknown-type", "none": "missing-envelope", "p-xml": "wrong-content-type",
                "p-bytes": "schema-violation", "p-rejected": "rejected",
            ])
            let typeProblem = dead.first { $0.properties.messageId == "p-type" }?.properties.headers?[DeadLetter.message]?.stringValue
            #expect(typeProblem?.contains("`amount` must be an integer") == true, "the reason names the field: \(typeProblem ?? "")")
            try await harness.eventually("the good deposit after the poison is handled") { try await harness.balance("carol") == 7 }
            try await worker.stop()
        }
    }

    @Test func transientFailuresRetryThroughDelayQueuesThenDeadLetter() async throws {
        try await RuntimeHarness.with { harness in
            let worker = try await harness.start()
            try await harness.deposit("flaky-1", 4, messageId: "once")
            try await harness.deposit("flaky-always", 9, messageId: "always")
            try await harness.eventually("a deposit that failed once succeeds on its retry") { try await harness.balance("flaky-1") == 4 }
            let dead = try await harness.take(1, from: "ledger.dead")
            #expect(dead[0].properties.messageId == "always")
            #expect(dead[0].properties.headers?[DeadLetter.reason]?.stringValue == "retries-exhausted")
            #expect(dead[0].properties.headers?["x-attempt"]?.intValue == 3, "three attempts in all, as the topology says")
            #expect(try await harness.balance("flaky-always") == nil)
            try await worker.stop()
        }
    }

    @Test func aWorkerWhoseHandlersDisagreeWithItsTopologyRefusesToStart() async throws {
        var context = BoundedContext("ledger", system: "ledger")
        struct Withdraw: Message { static let type = "ledger.Withdraw"; var account: String }
        context.on(Withdraw.self) { _, _ in }
        var configuration = WorkerConfiguration(amqpURL: "amqp://127.0.0.1", databaseURL: "postgres://x@127.0.0.1/x")
        configuration.topologyDirectory = RuntimeHarness.topologyDirectory
        let worker = Worker(context: context, configuration: configuration, logger: .init(label: "test"))
        let error = #expect(throws: Worker.StartFailure.self) { try worker.loadTopology() }
        #expect(error?.description.contains("queue ledger.commands consumes ledger.Deposit") == true)
        #expect(error?.description.contains("ledger handles ledger.Withdraw but no queue") == true)
    }

    @Test func aGracefulStopUnderLoadLosesNothingAndDuplicatesNothing() async throws {
        try await RuntimeHarness.with { harness in
            try await harness.depositAll((0..<400).map { ("acct-\($0 % 10)", 1, "load-\($0)") })

            var worker = try await harness.start()
            try await harness.eventually("some deposits are handled") {
                (try await harness.query("SELECT coalesce(sum(balance), 0)::bigint FROM ledger.accounts", Int.self).first ?? 0) > 20
            }
            try await worker.stop()  // mid-stream
            let afterStop = try await harness.query("SELECT count(*) FROM ledger.warren_inbox", Int.self).first ?? 0
            #expect(afterStop < 400, "the stop should land mid-stream (handled \(afterStop))")
            worker = try await harness.start()
            try await harness.eventually(within: 60, "every deposit is handled after the restart") {
                try await harness.query("SELECT coalesce(sum(balance), 0)::bigint FROM ledger.accounts", Int.self).first == 400
            }
            _ = try await harness.take(400, from: "audit.ledger-events", within: 30)
            try await worker.stop()
            #expect(try await harness.query("SELECT count(*) FROM ledger.warren_inbox", Int.self).first == 400)
            try await harness.eventually("every sent outbox row is deleted") {
                try await harness.query("SELECT count(*) FROM ledger.warren_outbox", Int.self).first == 0
            }
            #expect(try await harness.messageCount("audit.ledger-events") == 0, "an event was published twice")
        }
    }

    @Test func messagesWithTheSameOrderingKeyAreHandledInOrderAcrossLanes() async throws {
        try await RuntimeHarness.with { harness in
            // ledger.commands orders by `account`: each account's deposits carry 1, 2, 3, ...
            try await harness.depositAll((0..<300).map { ("acct-\($0 % 6)", $0 / 6 + 1, "o-\($0)") })
            let worker = try await harness.start(concurrency: 4)
            try await harness.eventually("every deposit is recorded") {
                try await harness.query("SELECT count(*) FROM ledger.history", Int.self).first == 300
            }
            try await worker.stop()
            for account in 0..<6 {
                let amounts = try await harness.query("SELECT amount FROM ledger.history WHERE account = 'acct-\(account)' ORDER BY id", Int.self)
                #expect(amounts == Array(1...50), "acct-\(account) was handled out of order: \(amounts.prefix(12))...")
            }
        }
    }

    @Test func theRelayPublishesOutboxRowsLeftBehindByACrash() async throws {
        try await RuntimeHarness.with { harness in
            let worker = try await harness.start()
            try await worker.stop()
            // What a crash between commit and confirm leaves: a committed outbox row never published.
            let envelope = Envelope(messageId: "orphan-1", type: "ledger.Deposited", appId: "ledger")
            let json = String(decoding: try JSONEncoder().encode(envelope), as: UTF8.self)
            let body = #"{"account":"dave","amount":3,"balance":3}"#
            _ = try await harness.query("""
                INSERT INTO ledger.warren_outbox (exchange, routing_key, envelope, body, created_at)
                VALUES ('ledger.events', 'ledger.Deposited', '\(json)', '\(body)', now() - interval '1 minute') RETURNING id
                """, Int.self)
            let restarted = try await harness.start()
            let relayed = try await harness.take(1, from: "audit.ledger-events")
            #expect(relayed[0].properties.messageId == "orphan-1")
            #expect(relayed[0].body == Data(body.utf8))
            try await harness.eventually("the relayed row is deleted") {
                try await harness.query("SELECT count(*) FROM ledger.warren_outbox", Int.self).first == 0
            }
            try await restarted.stop()
        }
    }
}
