import Foundation
import RabbitMQ
import Testing
@testable import Warren

@Suite struct EnvelopeTests {
    @Test func aCausedMessageKeepsTheConversationAndTheTraceWithANewSpan() {
        let cause = Envelope(messageId: "m-1", correlationId: "c-1", type: "ledger.Deposit",
                             traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        let effect = cause.caused(type: "ledger.Deposited", by: "ledger")
        #expect(effect.correlationId == "c-1")
        #expect(effect.causationId == "m-1")
        #expect(effect.appId == "ledger")
        #expect(effect.messageId != cause.messageId)
        let parts = effect.traceparent?.split(separator: "-").map(String.init) ?? []
        #expect(parts.count == 4 && parts[1] == "4bf92f3577b34da6a3ce929d0e0e4736" && parts[2].count == 16)
        #expect(parts[2] != "00f067aa0ba902b7", "a new span for the new message")
    }

    @Test func aMessageWithoutTraceStartsOne() {
        let effect = Envelope(type: "ledger.Deposit").caused(type: "ledger.Deposited", by: "ledger")
        let parts = effect.traceparent?.split(separator: "-").map(String.init) ?? []
        #expect(parts.count == 4 && parts[0] == "00" && parts[1].count == 32 && parts[2].count == 16 && parts[3] == "01")
    }

    /// The caller (RPCClient) and the ingress (a stored outcome) read a `warren.Error` alike.
    @Test func anErrorReplyGivesItsReasonWhateverItsShape() {
        #expect(Reply.errorReason(in: Reply.errorBody("card expired")) == "card expired")
        #expect(Reply.errorReason(in: Data(" out of stock\n".utf8)) == "out of stock", "plain text is the reason")
        #expect(Reply.errorReason(in: Data(#"{"error":42}"#.utf8)) == #"{"error":42}"#, "another shape is kept whole")
        #expect(Reply.errorReason(in: Data()) == "no reason given")
    }

    @Test func theEnvelopeRoundTripsThroughAMQPProperties() throws {
        let envelope = Envelope(messageId: "m-2", correlationId: "c-2", causationId: "m-1", type: "payment.PayConfirmed",
                                timestamp: 1_700_000_000, appId: "payment", replyTo: "amq.rabbitmq.reply-to", expiration: "2000",
                                inReplyTo: "r-1", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", attempt: 3)
        #expect(try Envelope(properties: envelope.properties) == envelope)
        #expect(envelope.properties.deliveryMode == 2)
        #expect(envelope.properties.contentType == "application/json")
    }

    @Test func aDeliveryWithoutTypeOrMessageIdHasNoEnvelope() {
        #expect(throws: EnvelopeError.self) { try Envelope(properties: BasicProperties(messageId: "x")) }
        #expect(throws: EnvelopeError.self) { try Envelope(properties: BasicProperties(type: "a.B")) }
    }
}
