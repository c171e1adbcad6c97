/// The kinds of exchange RabbitMQ routes with.
public struct ExchangeType: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public init(stringLiteral name: String) { self.name = name }
    public var description: String { name }

    public static let direct = ExchangeType("direct")
    public static let topic = ExchangeType("topic")
    public static let fanout = ExchangeType("fanout")
    public static let headers = ExchangeType("headers")
}

/// What `queue.declare-ok` says about a queue.
public struct QueueState: Sendable, Hashable {
    /// The name, which the broker chooses when the declared name was empty.
    public let name: String
    public let messageCount: Int
    public let consumerCount: Int
}

/// Queue arguments that come up often, as field-table entries.
public enum QueueArgument {
    public static func type(_ type: String) -> (String, FieldValue) { ("x-queue-type", .string(type)) }
    public static let quorum = type("quorum")
    public static let classic = type("classic")
}
