import Foundation
import RabbitMQ

/// An answer to a request: an RPC reply, a command's outcome, or the server's report that it
/// could not handle the request at all. One wire format for all three (DESIGN.md, "RPC over
/// reply queues"): sent through the default exchange to the request's `reply_to`, with the
/// request's correlation id and its message id in `in-reply-to`.
public struct Reply: Sendable {
    public var envelope: Envelope
    public var body: Data

    public init(envelope: Envelope, body: Data) {
        self.envelope = envelope
        self.body = body
    }

    /// `type` of a command's outcome.
    public static let outcomeType = "warren.Outcome"
    /// `type` of a reply saying the server could not handle the request (body `{"error": ...}`).
    public static let errorType = "warren.Error"
    /// Header of a request: its deadline in milliseconds since the Unix epoch. A server drops a
    /// request found past it, so a call the caller gave up on never takes effect later.
    public static let deadlineHeader = "x-deadline"

    /// The reply to `request`, as the server publishes it.
    static func answering(_ request: Envelope, type: String, body: Data, from context: String) -> OutgoingMessage? {
        guard let replyTo = request.replyTo, !replyTo.isEmpty else { return nil }
        var envelope = Envelope(correlationId: request.correlationId, causationId: request.messageId, type: type, appId: context,
                                inReplyTo: request.messageId, traceparent: TraceContext.child(of: request.traceparent))
        envelope.messageId = "\(request.messageId)/reply"
        var properties = envelope.properties
        properties.deliveryMode = 1
        // A caller that is gone makes the reply unroutable; that is not the server's failure.
        return OutgoingMessage(exchange: "", routingKey: replyTo, body: body, properties: properties, mandatory: false)
    }

    static func errorBody(_ reason: String) -> Data {
        (try? JSONEncoder.warren.encode(["error": reason])) ?? Data("{\"error\":\"unknown\"}".utf8)
    }

    /// The reason a `warren.Error` body gives. A body of another shape (a server in another
    /// language may write plain text) is the reason itself, so nothing it said is lost.
    public static func errorReason(in body: Data) -> String {
        if case .string(let reason)? = (try? JSONValue(parsing: body))?["error"] { return reason }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "no reason given" : text
    }
}
