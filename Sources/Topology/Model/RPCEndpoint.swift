/// An RPC a context serves. Callers publish the request to the server's commands exchange
/// (routing key = request type) with `reply_to`; the server answers through the default
/// exchange. Publishing through the commands exchange, not straight to the queue, keeps the
/// callers' broker permissions to named exchanges (see `Permissions`).
public struct RPCEndpoint: Sendable {
    public var name: String
    public var context: String
    public var request: Message
    public var reply: Message
    /// The queue the server consumes requests from.
    public var queue: String
    /// A command of the same context a caller sends when a call timed out, to undo whatever
    /// the call may have done (e.g. `payment.VoidPayment`).
    public var compensation: String?
    /// The caller's deadline, when the topology fixes one.
    public var timeout: Interval?
    public var location: SourceLocation

    public init(
        name: String, context: String, request: Message, reply: Message, queue: String,
        compensation: String?, timeout: Interval?, location: SourceLocation
    ) {
        self.name = name
        self.context = context
        self.request = request
        self.reply = reply
        self.queue = queue
        self.compensation = compensation
        self.timeout = timeout
        self.location = location
    }

    /// `<context>.<Name>`, the request's wire type and the name callers use.
    public var type: String { request.type }
}
