import RabbitMQ
import Topology

/// What the broker must hold for a fleet: every exchange, queue and binding with the exact
/// properties `apply` declares, and the file each comes from (for the diff's way out).
///
/// Built with the same choices as `RabbitMQDefinitions` (everything durable, nothing
/// auto-deleted, arguments from `Queue.arguments`), so apply and the export agree.
public struct BrokerObjects: Sendable {
    public struct Exchange: Sendable {
        public var name: String
        public var type: String
        public var durable = true
        public var autoDelete = false
        public var `internal` = false
        public var arguments: [String: ArgumentValue] = [:]
        public var file: String
    }

    public struct Queue: Sendable {
        public var name: String
        public var durable = true
        public var autoDelete = false
        public var arguments: [String: ArgumentValue]
        public var file: String

        /// `x-queue-type`, which RabbitMQ treats as classic when absent.
        public var type: String {
            if case .string(let type) = arguments["x-queue-type"] { return type }
            return "classic"
        }
    }

    public struct Binding: Sendable, Hashable {
        public var exchange: String
        public var queue: String
        public var routingKey: String
        public var arguments: [String: ArgumentValue]
        public var file: String

        /// What makes two bindings the same binding on the broker.
        var key: BindingKey { BindingKey(exchange: exchange, queue: queue, routingKey: routingKey, arguments: arguments.mapValues(\.text)) }
    }

    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]

    public init(exchanges: [Exchange], queues: [Queue], bindings: [Binding]) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    public init(fleet: Fleet) {
        exchanges = fleet.exchanges.sorted { $0.name < $1.name }.map {
            Exchange(name: $0.name, type: $0.kind.rawValue, file: $0.location.file)
        }
        queues = fleet.queues.sorted { $0.name < $1.name }.map {
            Queue(name: $0.name, arguments: $0.arguments, file: $0.location.file)
        }
        bindings = fleet.queues.flatMap(\.bindings)
            .sorted { ($0.exchange, $0.queue, $0.routingKey) < ($1.exchange, $1.queue, $1.routingKey) }
            .map { Binding(exchange: $0.exchange, queue: $0.queue, routingKey: $0.routingKey, arguments: $0.arguments, file: $0.location.file) }
    }

    /// Context names owning these objects (`<context>.` prefixes): the broker's other objects
    /// with such a prefix are reported as not in the topology; everything else is not ours.
    var ownerPrefixes: Set<String> {
        Set((exchanges.map(\.name) + queues.map(\.name)).compactMap { $0.split(separator: ".").first.map { "\($0)." } })
    }
}

struct BindingKey: Hashable {
    var exchange: String
    var queue: String
    var routingKey: String
    var arguments: [String: String]
}

extension ArgumentValue {
    /// The value as the diff prints it and as the broker's texts spell it.
    public var text: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .bool(let value): String(value)
        }
    }

    /// The AMQP field value `apply` declares with: integers as 64-bit, like the definitions import.
    var fieldValue: FieldValue {
        switch self {
        case .string(let value): .string(value)
        case .int(let value): .int64(Int64(value))
        case .bool(let value): .bool(value)
        }
    }

    func matches(_ json: ArgumentJSON) -> Bool {
        switch (self, json) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.int(let a), .double(let b)): Double(a) == b
        case (.bool(let a), .bool(let b)): a == b
        default: false
        }
    }
}

extension Dictionary where Key == String, Value == ArgumentValue {
    var fieldTable: FieldTable { mapValues(\.fieldValue) }
}
