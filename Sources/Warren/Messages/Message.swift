/// A message type of a bounded context as Swift code knows it: a `Codable` body and its wire type.
///
/// The body on the wire is the JSON of the struct alone (DESIGN.md, "Messages"), so a worker
/// in any language can take part; everything else travels in the AMQP properties.
public protocol Message: Codable, Sendable {
    /// `<context>.<MessageName>`: the AMQP `type` property and the routing key.
    static var type: String { get }
}

/// The request of an RPC endpoint, with the type of its reply.
public protocol RPCRequest: Message {
    associatedtype Reply: Message
}
