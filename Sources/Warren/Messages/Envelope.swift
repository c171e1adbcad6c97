import Foundation
import RabbitMQ

/// Who a message is and where it comes from: the AMQP properties and headers of DESIGN.md's
/// envelope, read from a delivery or written onto a publish.
public struct Envelope: Sendable, Hashable, Codable {
    public var messageId: String
    /// The conversation: every message caused by one request keeps it, replies included.
    public var correlationId: String
    /// The message that caused this one; nil for a request from outside the fleet.
    public var causationId: String?
    /// `<context>.<MessageName>`.
    public var type: String
    /// Seconds since the Unix epoch.
    public var timestamp: UInt64
    /// The sending context.
    public var appId: String?
    public var replyTo: String?
    /// Milliseconds, as a decimal string: an RPC request's deadline.
    public var expiration: String?
    /// On a reply: the request's message id, which our RPC client matches on.
    public var inReplyTo: String?
    /// W3C trace context, carried from each consumed message to everything it causes.
    public var traceparent: String?
    /// 1 for the first delivery; incremented by each retry through the delay queues.
    public var attempt: Int

    public init(messageId: String = Identifier.uuid(), correlationId: String? = nil, causationId: String? = nil,
                type: String, timestamp: UInt64 = UInt64(Date().timeIntervalSince1970), appId: String? = nil,
                replyTo: String? = nil, expiration: String? = nil, inReplyTo: String? = nil, traceparent: String? = nil,
                attempt: Int = 1) {
        self.messageId = messageId
        self.correlationId = correlationId ?? messageId
        self.causationId = causationId
        self.type = type
        self.timestamp = timestamp
        self.appId = appId
        self.replyTo = replyTo
        self.expiration = expiration
        self.inReplyTo = inReplyTo
        self.traceparent = traceparent
        self.attempt = attempt
    }

    public enum Header {
        public static let causationId = "causation-id"
        public static let inReplyTo = "in-reply-to"
        public static let traceparent = "traceparent"
        public static let attempt = "x-attempt"
    }

    /// Reads the envelope of a delivery; nil names what is missing.
    public init(properties: BasicProperties) throws(EnvelopeError) {
        guard let type = properties.type, !type.isEmpty else { throw EnvelopeError("the `type` property is missing: cannot tell which message this is") }
        guard let messageId = properties.messageId, !messageId.isEmpty else { throw EnvelopeError("the `message_id` property is missing: duplicates could not be detected") }
        let headers = properties.headers ?? [:]
        self.init(
            messageId: messageId, correlationId: properties.correlationId, causationId: headers[Header.causationId]?.stringValue,
            type: type, timestamp: properties.timestamp ?? UInt64(Date().timeIntervalSince1970), appId: properties.appId,
            replyTo: properties.replyTo, expiration: properties.expiration, inReplyTo: headers[Header.inReplyTo]?.stringValue,
            traceparent: headers[Header.traceparent]?.stringValue, attempt: headers[Header.attempt]?.intValue ?? 1)
    }

    /// The AMQP properties of a persistent JSON message carrying this envelope.
    public var properties: BasicProperties {
        var headers: FieldTable = [Header.attempt: .int64(Int64(attempt))]
        if let causationId { headers[Header.causationId] = .string(causationId) }
        if let inReplyTo { headers[Header.inReplyTo] = .string(inReplyTo) }
        if let traceparent { headers[Header.traceparent] = .string(traceparent) }
        return BasicProperties(
            contentType: "application/json", headers: headers, deliveryMode: 2, correlationId: correlationId,
            replyTo: replyTo, expiration: expiration, messageId: messageId, timestamp: timestamp, type: type, appId: appId)
    }

    /// The envelope of a message caused by this one: same conversation and trace, this as its cause.
    public func caused(type: String, by context: String) -> Envelope {
        Envelope(correlationId: correlationId, causationId: messageId, type: type, appId: context,
                 traceparent: TraceContext.child(of: traceparent))
    }
}

public struct EnvelopeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
