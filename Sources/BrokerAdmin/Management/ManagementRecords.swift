/// A queue as `GET /api/queues/{vhost}` lists it (the fields the plan compares).
public struct ManagementQueue: Decodable, Sendable {
    public var name: String
    public var durable: Bool
    public var autoDelete: Bool
    public var exclusive: Bool?
    /// `classic`, `quorum` or `stream`: the effective type, also when no `x-queue-type` was given.
    public var type: String?
    public var arguments: [String: ArgumentJSON]
    /// Consumers on the queue, as the broker's statistics last saw them (refreshed every few seconds).
    public var consumers: Int?
    /// Messages in the queue (ready and unacknowledged), as last counted.
    public var messages: Int?

    enum CodingKeys: String, CodingKey {
        case name, durable, exclusive, type, arguments, consumers, messages
        case autoDelete = "auto_delete"
    }
}

/// An exchange as `GET /api/exchanges/{vhost}` lists it.
public struct ManagementExchange: Decodable, Sendable {
    public var name: String
    public var type: String
    public var durable: Bool
    public var autoDelete: Bool
    public var `internal`: Bool
    public var arguments: [String: ArgumentJSON]

    enum CodingKeys: String, CodingKey {
        case name, type, durable, `internal`, arguments
        case autoDelete = "auto_delete"
    }
}

/// A binding as `GET /api/bindings/{vhost}` lists it; the default exchange's have `source` "".
public struct ManagementBinding: Decodable, Sendable {
    public var source: String
    public var destination: String
    public var destinationType: String
    public var routingKey: String
    public var arguments: [String: ArgumentJSON]

    enum CodingKeys: String, CodingKey {
        case source, destination, arguments
        case destinationType = "destination_type"
        case routingKey = "routing_key"
    }
}

/// An argument value as the management API writes it. Booleans are tried before numbers so
/// `true` never reads as 1.
public enum ArgumentJSON: Decodable, Sendable, Hashable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case other(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else { self = .other("(a list or table)") }
    }

    public var description: String {
        switch self {
        case .bool(let value): String(value)
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value
        case .other(let value): value
        }
    }
}
