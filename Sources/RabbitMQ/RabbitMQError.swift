/// Everything that can go wrong talking to a broker, with the broker's reply code and text kept.
///
/// A channel or connection closed by the broker carries its AMQP reply code (404 NOT_FOUND,
/// 406 PRECONDITION_FAILED, 403 ACCESS_REFUSED, 320 CONNECTION_FORCED ...) and the method that
/// caused it, so the caller can act and a person can read what happened. No password appears here.
public struct RabbitMQError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// The URL could not be parsed.
        public static let invalidURL = Code(name: "invalid URL")
        /// TCP, TLS or the AMQP handshake failed.
        public static let connectionFailed = Code(name: "connection failed")
        /// The broker refused our credentials or vhost.
        public static let accessRefused = Code(name: "access refused")
        /// The broker closed the connection (connection.close), e.g. on shutdown (320).
        public static let connectionClosed = Code(name: "connection closed by broker")
        /// The socket failed or reached end of file.
        public static let connectionLost = Code(name: "connection lost")
        /// Nothing arrived for 1.5 heartbeat intervals: the broker or the network is gone.
        public static let heartbeatTimeout = Code(name: "heartbeat timeout")
        /// We closed the connection; no more calls can be made on it.
        public static let closedByClient = Code(name: "connection closed by client")
        /// The broker closed the channel (channel.close) because of an operation on it.
        public static let channelClosed = Code(name: "channel closed by broker")
        /// A mandatory message could not be routed to any queue (basic.return).
        public static let returned = Code(name: "message returned")
        /// The broker refused responsibility for a published message (basic.nack).
        public static let nacked = Code(name: "message nacked")
        /// The broker cancelled a consumer, e.g. because its queue was deleted.
        public static let consumerCancelled = Code(name: "consumer cancelled by broker")
        /// The library or the broker broke the protocol's expectations.
        public static let protocolError = Code(name: "protocol error")
    }

    public var code: Code
    /// A sentence saying what happened, in the broker's words when it gave some.
    public var message: String
    /// The AMQP reply code (e.g. 404, 406, 403, 320, 312 NO_ROUTE).
    public var replyCode: UInt16?
    /// The AMQP method that failed, e.g. `queue.declare`.
    public var method: String?
    /// The rabbitmq-c status code, when the failure came from the library.
    public var status: Int32?

    public init(_ code: Code, _ message: String, replyCode: UInt16? = nil, method: String? = nil, status: Int32? = nil) {
        self.code = code
        self.message = message
        self.replyCode = replyCode
        self.method = method
        self.status = status
    }

    /// True when the whole connection is gone (lost, closed by either side, silent): every
    /// channel on it is dead and the caller must connect again. Otherwise only one operation
    /// or channel failed.
    public var endsConnection: Bool {
        [.connectionLost, .connectionClosed, .heartbeatTimeout, .closedByClient].contains(code)
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let method { text += " (in \(method))" }
        return text
    }
}
