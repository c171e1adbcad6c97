import BrokerAdmin
import Foundation
import Logging
import RabbitMQ
import Testing
import Topology
@testable import Warren

/// RPC against the real servers: the `till` context serves `till.Charge`; `shop` calls it
/// before its transaction. Serialized: `Till.delay` is shared.
@Suite(.serialized) struct RPCTests {
    func charges(_ harness: RuntimeHarness) async throws -> Int {
        try await harness.query("SELECT count(*)::bigint FROM till.charges", Int.self)[0]
    }

    @Test func aCallIsAnsweredAndADeclineIsAReplyNotAnError() async throws {
        try await RuntimeHarness.with { harness in
            let till = try await harness.start(Till.context)
            try await harness.withClient { client in
                let approved = try await client.call(Till.Charge(orderId: "o-1", amount: 30), deadline: LiveHarness.patience)
                #expect(approved.approved && approved.chargeId != nil)
                let declined = try await client.call(Till.Charge(orderId: "o-2", amount: 0), deadline: LiveHarness.patience)
                #expect(declined == Till.Charged(approved: false, reason: "amount 0 is not positive"))
            }
            #expect(try await charges(harness) == 1)
            try await till.stop()
        }
    }

    @Test func aRetriedRequestGetsTheStoredReplyWithoutASecondEffect() async throws {
        try await RuntimeHarness.with { harness in
            let till = try await harness.start(Till.context)
            try await harness.withClient { client in
                let first = try await client.call(Till.Charge(orderId: "o-1", amount: 30), messageId: "charge-o-1", deadline: LiveHarness.patience)
                // Same message id, different body: the inbox answers, the handler does not run again.
                let again = try await client.call(Till.Charge(orderId: "o-1", amount: 99), messageId: "charge-o-1", deadline: LiveHarness.patience)
                #expect(first == again)
            }
            #expect(try await harness.query("SELECT amount FROM till.charges", Int.self) == [30])
            try await till.stop()
        }
    }

    @Test func aRequestNobodyTookInTimeIsCompensatedAndNeverProcessedLater() async throws {
        try await RuntimeHarness.with { harness in
            try await harness.withClient { client in
                await #expect(throws: RPCError.timedOut(target: "till", after: .milliseconds(300))) {
                    _ = try await client.call(Till.Charge(orderId: "o-late", amount: 30), deadline: .milliseconds(300))
                }
            }
            // The server comes back after the deadline: the request has expired, the void is queued.
            try await Task.sleep(for: .milliseconds(400))
            let till = try await harness.start(Till.context)
            try await harness.eventually("the compensation is handled") {
                try await harness.query("SELECT count(*)::bigint FROM till.voids WHERE order_id = 'o-late'", Int.self) == [1]
            }
            try await harness.eventually("the expired request left the queue") { try await harness.messageCount("till.rpc") == 0 }
            #expect(try await charges(harness) == 0, "an expired charge must never take effect")
            #expect(try await harness.deadLetterReasons("till.dead") == ["expired"], "the broker dead-lettered it for its expiry")
            try await till.stop()
        }
    }

    @Test func aVoidBeforeTheChargeRefusesItAndAVoidAfterItMarksItVoided() async throws {
        try await RuntimeHarness.with { harness in
            let till = try await harness.start(Till.context)
            try await harness.publish(Till.Void(orderId: "void-first"))
            try await harness.eventually("the early void is recorded") {
                try await harness.query("SELECT count(*)::bigint FROM till.voids", Int.self) == [1]
            }
            try await harness.withClient { client in
                let refused = try await client.call(Till.Charge(orderId: "void-first", amount: 10), deadline: LiveHarness.patience)
                #expect(refused == Till.Charged(approved: false, reason: "order void-first was voided"))
                let charged = try await client.call(Till.Charge(orderId: "void-after", amount: 10), deadline: LiveHarness.patience)
                #expect(charged.approved)
            }
            try await harness.publish(Till.Void(orderId: "void-after"))
            try await harness.eventually("the late void marks the charge voided") {
                try await harness.query("SELECT order_id FROM till.charges WHERE voided", String.self) == ["void-after"]
            }
            #expect(try await charges(harness) == 1)
            try await till.stop()
        }
    }

    @Test func aSlowServerOpensTheCircuitWhichClosesAfterItRecovers() async throws {
        try await RuntimeHarness.with { harness in
            let till = try await harness.start(Till.context)
            var breaker = CircuitBreaker.Settings()
            breaker.failureThreshold = 3
            breaker.coolDown = .milliseconds(500)
            Till.delay.store(400, ordering: .relaxed)
            defer { Till.delay.store(0, ordering: .relaxed) }
            try await harness.withClient(breaker: breaker) { client in
                for index in 0..<3 {
                    await #expect(throws: RPCError.self) {
                        _ = try await client.call(Till.Charge(orderId: "slow-\(index)", amount: 1), deadline: .milliseconds(150))
                    }
                }
                #expect(client.circuit(of: "till") == .open)
                let before = ContinuousClock.now
                do {
                    _ = try await client.call(Till.Charge(orderId: "fast-fail", amount: 1))
                    Issue.record("a call went out through an open circuit")
                } catch let error as RPCError {
                    guard case .unavailable(_, let reason) = error else { throw TestFailure("expected unavailable, got \(error)") }
                    #expect(reason.contains("circuit open"))
                }
                #expect(ContinuousClock.now - before < .milliseconds(100), "an open circuit fails at once")
                // Late replies of the slow calls arrive and are dropped.
                try await harness.eventually("late replies are counted") { client.lateReplies >= 1 }

                Till.delay.store(0, ordering: .relaxed)
                try await Task.sleep(for: .milliseconds(600))
                let probe = try await client.call(Till.Charge(orderId: "probe", amount: 1))
                #expect(probe.approved)
                #expect(client.circuit(of: "till") == .closed)
            }
            try await till.stop()
        }
    }

    @Test func tenThousandCallsLeaveNoQueueBehind() async throws {
        try await RuntimeHarness.with { harness in
            let api = try ManagementAPI(url: RuntimeHarness.managementURL)
            let queuesBefore = try await api.queues(vhost: harness.vhost).count
            let till = try await harness.start(Till.context)
            try await harness.withClient { client in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for worker in 0..<50 {
                        group.addTask {
                            var approved = 0
                            for index in 0..<200 {
                                let reply = try await client.call(Till.Charge(orderId: "bulk-\(worker)-\(index)", amount: 1),
                                                                  deadline: .seconds(30))
                                if reply.approved { approved += 1 }
                            }
                            return approved
                        }
                    }
                    var approved = 0
                    for try await count in group { approved += count }
                    #expect(approved == 10_000)
                }
            }
            #expect(try await charges(harness) == 10_000)
            try await till.stop()
            let queuesAfter = try await api.queues(vhost: harness.vhost)
            #expect(queuesAfter.count == queuesBefore, "queues now: \(queuesAfter.map(\.name))")
        }
    }

    @Test func aCommandSentWithAReplyToGetsItsOutcome() async throws {
        try await RuntimeHarness.with { harness in
            let till = try await harness.start(Till.context)
            let shop = try await harness.start(Shop.context)
            try await harness.withClient { client in
                let body = try JSONEncoder().encode(Shop.PlaceOrder(orderId: "o-1", amount: 25))
                let created = try await client.send(command: Shop.PlaceOrder.type, body: body, messageId: "place-o-1", wait: .seconds(10))
                #expect(created == (try .created(id: "o-1", Shop.Order(orderId: "o-1", amount: 25, status: "placed"))))
                // The same command again: answered from shop's inbox, no second order or charge.
                let again = try await client.send(command: Shop.PlaceOrder.type, body: body, messageId: "place-o-1", wait: .seconds(10))
                #expect(again == created)
                let declined = try await client.send(command: Shop.PlaceOrder.type,
                                                     body: try JSONEncoder().encode(Shop.PlaceOrder(orderId: "o-0", amount: 0)),
                                                     wait: .seconds(10))
                #expect(declined == .refused(.declined, "amount 0 is not positive"))
            }
            #expect(try await charges(harness) == 1)
            #expect(try await harness.query("SELECT count(*)::bigint FROM shop.orders", Int.self) == [1])
            try await shop.stop()
            try await till.stop()
        }
    }

    @Test func oneLaneHasSeveralCallsUnderWayAndCommitsInArrivalOrder() async throws {
        try await RuntimeHarness.with { harness in
            Till.delay.store(300, ordering: .relaxed)
            Till.mostInFlight.store(0, ordering: .relaxed)
            defer { Till.delay.store(0, ordering: .relaxed) }
            let till = try await harness.start(Till.context, concurrency: 4)
            let shop = try await harness.start(Shop.context, concurrency: 1) { $0.callsAhead = 4 }
            let connection = try await harness.connect()
            let channel = try await connection.openChannel()
            try await channel.enablePublisherConfirms()
            let orders = (1...4).map { "ahead-\($0)" }
            let messages = try orders.map { order in
                OutgoingMessage(exchange: "shop.commands", routingKey: Shop.PlaceOrder.type,
                                body: try JSONEncoder().encode(Shop.PlaceOrder(orderId: order, amount: 5)),
                                properties: Envelope(type: Shop.PlaceOrder.type, appId: "test").properties)
            }
            for case .failure(let error) in try await channel.publish(contentsOf: messages) { throw error }
            try await connection.close()
            try await harness.eventually("every order is placed") {
                try await harness.query("SELECT count(*)::bigint FROM shop.orders", Int.self) == [4]
            }
            #expect(Till.mostInFlight.load(ordering: .relaxed) >= 2, "the shop's one lane had several charges under way at once")
            // One lane commits one transaction after the other: transaction ids follow its order.
            let committed = try await harness.query("SELECT order_id FROM shop.orders ORDER BY xmin::text::bigint", String.self)
            #expect(committed == orders)
            try await shop.stop()
            try await till.stop()
        }
    }

    @Test func commandsStillQueuedAfterTheWaitDoNotOpenTheCircuit() async throws {
        try await RuntimeHarness.with { harness in
            // No shop worker: every command outlives the wait, accepted and queued (the ingress's 202).
            var breaker = CircuitBreaker.Settings()
            breaker.failureThreshold = 2
            try await harness.withClient(breaker: breaker) { client in
                for index in 0..<3 {
                    let body = try JSONEncoder().encode(Shop.PlaceOrder(orderId: "queued-\(index)", amount: 1))
                    let outcome = try await client.send(command: Shop.PlaceOrder.type, body: body, wait: .milliseconds(100))
                    #expect(outcome == nil)
                }
                #expect(client.circuit(of: "shop") == .closed)
            }
            #expect(try await harness.messageCount("shop.commands") == 3)
        }
    }

    @Test func aHandlerWhoseCallTimesOutRefusesAndItsCompensationLeavesThroughTheOutbox() async throws {
        try await RuntimeHarness.with { harness in
            // No till worker: the charge expires unanswered (till's deadline is 1 s).
            let shop = try await harness.start(Shop.context)
            try await harness.withClient { client in
                let body = try JSONEncoder().encode(Shop.PlaceOrder(orderId: "o-9", amount: 25))
                let outcome = try await client.send(command: Shop.PlaceOrder.type, body: body, wait: .seconds(10))
                #expect(outcome?.refusal?.kind == .unavailable)
            }
            let voids = try await harness.take(1, from: "till.commands")
            #expect(voids[0].properties.type == "till.Void")
            #expect(try JSONDecoder().decode(Till.Void.self, from: voids[0].body).orderId == "o-9")
            #expect(try await harness.query("SELECT count(*)::bigint FROM shop.orders", Int.self) == [0])
            try await shop.stop()
        }
    }

    @Test func aRefusedPublishDoesNotBreakTheClient() async throws {
        try await RuntimeHarness.with { harness in
            let till = try await harness.start(Till.context)
            try await harness.withClient { client in
                let connection = try await harness.connect()
                try await connection.openChannel().deleteExchange("till.commands")
                try await connection.close()
                do {
                    _ = try await client.call(Till.Charge(orderId: "nowhere", amount: 1))
                    Issue.record("a call to a deleted exchange was answered")
                } catch let error as RPCError {
                    guard case .unavailable(_, let reason) = error else { throw TestFailure("expected unavailable, got \(error)") }
                    #expect(reason.contains("NOT_FOUND"))
                }
                let (fleet, _) = try TopologyDirectory(RuntimeHarness.topologyDirectory).check()
                _ = try await TopologyApply.run(BrokerObjects(fleet: fleet),
                                                options: .init(amqpURL: harness.amqpURL, managementURL: RuntimeHarness.managementURL))
                await client.connected()
                let reply = try await client.call(Till.Charge(orderId: "somewhere", amount: 1), deadline: LiveHarness.patience)
                #expect(reply.approved)
            }
            try await till.stop()
        }
    }

    /// A worker's first command can arrive before its RPC client has opened its connection: the
    /// call waits for the connection within its deadline instead of failing as unavailable.
    @Test func aCallMadeBeforeTheClientIsConnectedWaitsForTheConnection() async throws {
        try await RuntimeHarness.with { harness in
            let till = try await harness.start(Till.context)
            let client = RPCClient(configuration: .init(amqp: try Configuration(url: harness.amqpURL)),
                                   fleet: harness.fleet, caller: "test", logger: harness.logger)
            #expect(!client.isConnected)
            let task = Task { try await client.run() }
            defer { task.cancel() }
            let reply = try await client.call(Till.Charge(orderId: "first-command", amount: 1), deadline: LiveHarness.patience)
            #expect(reply.approved)
            #expect(client.circuit(of: Till.context.name) == .closed)
            try await till.stop()
        }
    }
}
