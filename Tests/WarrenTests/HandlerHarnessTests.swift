import Foundation
import Testing
import Warren
import WarrenTesting

/// Handlers tested through the in-memory transport: no broker, RPCs answered by stubs.
@Suite struct HandlerHarnessTests {
    @Test func anApprovedOrderIsStoredAnnouncedAndAnswered() async throws {
        try await HandlerHarness.with(Shop.context, topology: RuntimeHarness.topologyDirectory) { shop in
            shop.stub(Till.Charge.self) { charge in Till.Charged(approved: true, chargeId: 41) }
            let handled = try await shop.handle(Shop.PlaceOrder(orderId: "o-1", amount: 25))
            #expect(handled.outcome == (try .created(id: "o-1", Shop.Order(orderId: "o-1", amount: 25, status: "placed"))))
            #expect(try handled.emitted(Shop.OrderPlaced.self).map(\.chargeId) == [41])
            #expect(try await shop.query("SELECT order_id FROM orders", String.self) == ["o-1"])
        }
    }

    @Test func aTimedOutChargeIsRefusedAndItsVoidIsEmitted() async throws {
        try await HandlerHarness.with(Shop.context, topology: RuntimeHarness.topologyDirectory) { shop in
            shop.stub(Till.Charge.self) { _ throws(RPCError) in throw .timedOut(target: "till", after: .seconds(1)) }
            let handled = try await shop.handle(Shop.PlaceOrder(orderId: "o-2", amount: 25))
            #expect(handled.outcome?.refusal?.kind == .unavailable)
            #expect(try handled.emitted(Till.Void.self).map(\.orderId) == ["o-2"])
            #expect(try await shop.query("SELECT count(*)::bigint FROM orders", Int.self) == [0])
        }
    }

    @Test func theSameMessageTwiceIsADuplicateAnsweredWithTheFirstReply() async throws {
        try await HandlerHarness.with(Till.context, topology: RuntimeHarness.topologyDirectory) { till in
            let envelope = Envelope(messageId: "charge-1", type: Till.Charge.type, replyTo: "in-memory")
            let first = try await till.handle(Till.Charge(orderId: "o-3", amount: 5), envelope: envelope)
            let again = try await till.handle(Till.Charge(orderId: "o-3", amount: 5), envelope: envelope)
            #expect(!first.duplicate && again.duplicate)
            #expect(try first.reply?.decode(Till.Charged.self) == (try again.reply?.decode(Till.Charged.self)))
            #expect(try await till.query("SELECT count(*)::bigint FROM charges", Int.self) == [1])
        }
    }

    /// The inbox record is written at the end of the transaction, so a duplicate's handler runs
    /// again before the record's key stops it: whatever it would answer now is rolled back.
    @Test func aDuplicateGetsItsFirstReplyEvenWhenItsHandlerWouldNowAnswerOtherwise() async throws {
        try await HandlerHarness.with(Till.context, topology: RuntimeHarness.topologyDirectory) { till in
            let envelope = Envelope(messageId: "charge-2", type: Till.Charge.type, replyTo: "in-memory")
            let first = try await till.handle(Till.Charge(orderId: "o-4", amount: 5), envelope: envelope)
            _ = try await till.handle(Till.Void(orderId: "o-4"))
            let again = try await till.handle(Till.Charge(orderId: "o-4", amount: 5), envelope: envelope)
            #expect(again.duplicate)
            #expect(try first.reply?.decode(Till.Charged.self).approved == true)
            #expect(try again.reply?.decode(Till.Charged.self) == (try first.reply?.decode(Till.Charged.self)))
            #expect(try await till.query("SELECT count(*)::bigint FROM charges WHERE voided", Int.self) == [1],
                    "the void stays; the duplicate changed nothing")
        }
    }
}
