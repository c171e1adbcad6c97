import BrokerAdmin
import Foundation
import RabbitMQ
import Testing
@testable import Warren

/// Servers restarted under a running worker. `scripts/test` runs this suite alone: a restart
/// would break any test running beside it.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DisruptionTests {
    static var servers: String? { ProcessInfo.processInfo.environment["WARREN_SERVERS"] }

    func restart(_ server: String) async throws {
        guard let script = Self.servers else { throw TestFailure("WARREN_SERVERS is not set: run the tests through scripts/test") }
        let status = try await ChildProcess.run(script, ["restart", server])
        guard status == 0 else { throw TestFailure("`\(script) restart \(server)` failed with \(status)") }
    }

    /// Publishes `count` deposits of 1 spread over ten accounts.
    func publishDeposits(_ count: Int, harness: RuntimeHarness) async throws {
        try await harness.depositAll((0..<count).map { ("acct-\($0 % 10)", 1, "d-\($0)") })
    }

    func total(_ harness: RuntimeHarness) async throws -> Int {
        try await harness.query("SELECT coalesce(sum(balance), 0)::bigint FROM ledger.accounts", Int.self).first ?? 0
    }

    /// Every deposit in the balances once, one event each, nothing left in the outbox.
    func expectExactlyOnce(_ count: Int, harness: RuntimeHarness) async throws {
        try await harness.eventually(within: 90, "every deposit is handled") { try await total(harness) == count }
        #expect(try await harness.query("SELECT count(*) FROM ledger.warren_inbox", Int.self).first == count)
        try await harness.eventually(within: 30, "the outbox is empty") {
            try await harness.query("SELECT count(*) FROM ledger.warren_outbox", Int.self).first == 0
        }
        let events = try await harness.take(try await harness.messageCount("audit.ledger-events"), from: "audit.ledger-events")
        let ids = Set(events.compactMap { $0.properties.headers?["causation-id"]?.stringValue })
        #expect(ids == Set((0..<count).map { "d-\($0)" }), "each deposit announced (under one message id each)")
        #expect(Set(events.compactMap(\.properties.messageId)).count == count)
    }

    @Test func aBrokerRestartMidStreamEndsWithEveryMessageHandledOnceAndConsumersRestored() async throws {
        try await RuntimeHarness.with { harness in
            try await publishDeposits(600, harness: harness)
            let worker = try await harness.start()
            try await harness.eventually("some deposits are handled") { try await total(harness) > 30 }
            try await restart("rabbitmq")
            try await harness.eventually(within: 60, "the worker is ready again") { worker.worker.state.isReady }
            let api = try ManagementAPI(url: RuntimeHarness.managementURL)
            try await harness.eventually(within: 30, "the queue shows a consumer again") {
                try await api.queues(vhost: harness.vhost).first { $0.name == "ledger.commands" }?.consumers ?? 0 > 0
            }
            try await expectExactlyOnce(600, harness: harness)
            try await worker.stop()
        }
    }

    @Test func aDatabaseRestartMidStreamEndsWithEveryMessageHandledOnce() async throws {
        try await RuntimeHarness.with { harness in
            try await publishDeposits(600, harness: harness)
            let worker = try await harness.start()
            try await harness.eventually("some deposits are handled") { try await total(harness) > 30 }
            try await restart("postgres")
            try await expectExactlyOnce(600, harness: harness)
            try await worker.stop()
        }
    }

    /// A `before` step that claims an id meets a database restart: its claim fails on the lost
    /// connection, and the lane must run the step again rather than rethrow that first failure
    /// for ever (bench/chaos --system storage saw a lane stuck so).
    @Test func aDatabaseRestartUnderIdClaimsEndsWithEveryOrderStoredOnceUnderANumberOfItsOwn() async throws {
        try await RuntimeHarness.with { harness in
            var shop = BoundedContext("shop", system: "ledger", migrations: [
                Migration(1, "orders", "CREATE TABLE orders (order_id text PRIMARY KEY, number bigint NOT NULL UNIQUE)"),
            ])
            shop.on(Shop.PlaceOrder.self, before: { _, calls in try await calls.claimId("orders") }) { order, number, handling in
                try await handling.database.execute("INSERT INTO orders (order_id, number) VALUES ($1, $2)", [order.orderId, number])
            }
            let count = 200
            for index in 0..<count { try await harness.publish(Shop.PlaceOrder(orderId: "o-\(index)", amount: 1)) }
            let worker = try await harness.start(shop)
            let stored = { try await harness.query("SELECT count(*)::bigint FROM shop.orders", Int.self).first ?? 0 }
            try await harness.eventually("some orders are stored") { try await stored() > 10 }
            try await restart("postgres")
            try await harness.eventually(within: 90, "every order is stored") { try await stored() == count }
            #expect(try await harness.query("SELECT count(DISTINCT number)::bigint FROM shop.orders", Int.self) == [count])
            #expect(try await harness.query("SELECT count(*)::bigint FROM shop.warren_claims", Int.self) == [count],
                    "one claim per order, however often its step ran")
            try await worker.stop()
        }
    }
}
