/// A queue a context consumes, with the arguments the broker must declare it with.
public struct Queue: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case quorum, classic
    }

    /// Why the queue exists: written consumer queues, and the ones conventions derive.
    public enum Role: Hashable, Sendable {
        case consumer
        /// Requests of the context's RPC endpoints.
        case rpc
        /// The context's dead letters: the end of every dead-letter path.
        case deadLetter
        /// One of the context's delay queues: holds a failed delivery for `delay`, then
        /// dead-letters it to `<context>.requeue`, which routes it back to the queue named in
        /// its `warren-retry-queue` header.
        case retryDelay(Interval)
    }

    public var name: String
    public var context: String
    public var role: Role
    public var kind: Kind
    /// Message types its consumer handles; anything else reaching it is a topology error.
    public var consumes: [MessageReference]
    public var bindings: [Binding]
    /// Where rejected, expired and over-limit messages go; nil only for the dead-letter queue.
    public var deadLetterExchange: String?
    public var deadLetterRoutingKey: String?
    public var retry: RetryPolicy?
    public var messageTTL: Interval?
    /// Redeliveries after which a quorum queue dead-letters a message (a crash loop breaker).
    public var deliveryLimit: Int?
    /// A payload field: messages with the same value must be handled in order (one active
    /// consumer per queue, see `arguments`).
    public var orderingKey: String?
    /// One consumer at a time even without an ordering key: the queues of a context whose
    /// store is local to one process (`store: sqlite`).
    public var singleActiveConsumer = false
    public var prefetch: Int
    public var derived: Bool
    public var location: SourceLocation

    public init(
        name: String, context: String, role: Role = .consumer, kind: Kind = .quorum,
        consumes: [MessageReference] = [], bindings: [Binding] = [], deadLetterExchange: String?,
        deadLetterRoutingKey: String? = nil, retry: RetryPolicy? = nil, messageTTL: Interval? = nil,
        deliveryLimit: Int? = nil, orderingKey: String? = nil, prefetch: Int = Queue.defaultPrefetch,
        derived: Bool = false, location: SourceLocation
    ) {
        self.name = name
        self.context = context
        self.role = role
        self.kind = kind
        self.consumes = consumes
        self.bindings = bindings
        self.deadLetterExchange = deadLetterExchange
        self.deadLetterRoutingKey = deadLetterRoutingKey
        self.retry = retry
        self.messageTTL = messageTTL
        self.deliveryLimit = deliveryLimit
        self.orderingKey = orderingKey
        self.prefetch = prefetch
        self.derived = derived
        self.location = location
    }

    public static let defaultPrefetch = 16
    /// Replicas of a quorum queue when it is created (`rabbitmq-queues grow` adds more later).
    public static let replicas = 3
    /// Read by the broker only when it creates a queue: a queue created before the topology set
    /// it is equivalent, so `apply` never compares it (the broker refuses a redeclare that
    /// differs in it, which is why `apply` declares only missing queues).
    public static let initialGroupSizeArgument = "x-quorum-initial-group-size"
    public static let creationOnlyArguments: Set<String> = [initialGroupSizeArgument]
    public static let defaultDeliveryLimit = 5

    /// The `x-` arguments of `queue.declare`. The one place they are computed, so the
    /// definitions export and `apply` can never disagree about them.
    public var arguments: [String: ArgumentValue] {
        var arguments: [String: ArgumentValue] = ["x-queue-type": .string(kind.rawValue)]
        if kind == .quorum {
            // Three replicas on a cluster (one node can be lost); all nodes on a smaller one.
            arguments[Self.initialGroupSizeArgument] = .int(Self.replicas)
        }
        if let deadLetterExchange {
            arguments["x-dead-letter-exchange"] = .string(deadLetterExchange)
            if kind == .quorum {
                // Dead-letter without loss: the broker keeps the message until the dead-letter
                // target confirms it (RabbitMQ 3.10+; needs reject-publish overflow).
                arguments["x-dead-letter-strategy"] = .string("at-least-once")
                arguments["x-overflow"] = .string("reject-publish")
            }
        }
        if let deadLetterRoutingKey { arguments["x-dead-letter-routing-key"] = .string(deadLetterRoutingKey) }
        if let messageTTL { arguments["x-message-ttl"] = .int(messageTTL.milliseconds) }
        if let deliveryLimit { arguments["x-delivery-limit"] = .int(deliveryLimit) }
        if orderingKey != nil || singleActiveConsumer { arguments["x-single-active-consumer"] = .bool(true) }
        return arguments
    }

    /// The context's delay queues this queue's retries go through, in attempt order: the
    /// worker publishes attempt N to `<context>.retry` with routing key `retryQueueNames[N-1]`
    /// and the header `warren-retry-queue: <this queue>`.
    public var retryQueueNames: [String] {
        retry?.delays.map { "\(context).retry.\($0)" } ?? []
    }

    /// The header naming the queue a delayed retry returns to. Not `x-` prefixed: a headers
    /// exchange with `x-match: all` ignores `x-` headers, so every binding would match.
    public static let retryQueueHeader = "warren-retry-queue"
}

/// A value of a queue argument.
public enum ArgumentValue: Hashable, Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
}

/// A binding from an exchange to a queue; `routingKey` is a topic pattern on topic exchanges.
public struct Binding: Sendable {
    public var exchange: String
    public var routingKey: String
    /// Binding arguments; used by headers exchanges (`x-match` and the headers to match).
    public var arguments: [String: ArgumentValue]
    public var queue: String
    public var derived: Bool
    public var location: SourceLocation

    public init(exchange: String, routingKey: String, arguments: [String: ArgumentValue] = [:], queue: String, derived: Bool, location: SourceLocation) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.arguments = arguments
        self.queue = queue
        self.derived = derived
        self.location = location
    }
}

/// Redelivery of transient failures through delay queues: attempt N waits `delays[N-1]`.
public struct RetryPolicy: Hashable, Sendable {
    /// Deliveries in all, the first included; after the last the message is dead-lettered.
    public var attempts: Int
    public var delays: [Interval]

    public init(attempts: Int, delays: [Interval]) {
        self.attempts = attempts
        self.delays = delays
    }

    /// `attempts - 1` delays from `first`, each `multiplier` times the previous, capped at `maximum`.
    public init(attempts: Int, first: Interval, multiplier: Int, maximum: Interval?) {
        var delays: [Interval] = []
        var next = first.milliseconds
        for _ in 0..<max(0, attempts - 1) {
            let capped = maximum.map { min(next, $0.milliseconds) } ?? next
            delays.append(Interval(milliseconds: capped))
            next = capped * multiplier
        }
        self.init(attempts: attempts, delays: delays)
    }

    public static let `default` = RetryPolicy(attempts: 4, first: .seconds(1), multiplier: 5, maximum: nil)
}

/// A duration written as `250ms`, `5s`, `2m`, `1h`, `7d`; whole milliseconds, which is
/// what the broker's TTL arguments take.
public struct Interval: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var milliseconds: Int

    public init(milliseconds: Int) { self.milliseconds = milliseconds }
    public static func seconds(_ value: Int) -> Interval { Interval(milliseconds: value * 1000) }

    private static let units: [(suffix: String, factor: Int)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// Parses `<digits><unit>` with unit one of ms, s, m, h, d.
    public init?(parsing text: String) {
        for (suffix, factor) in Self.units.sorted(by: { $0.suffix.count > $1.suffix.count }) where text.hasSuffix(suffix) {
            guard let value = Int(text.dropLast(suffix.count)), value >= 0 else { return nil }
            self.milliseconds = value * factor
            return
        }
        return nil
    }

    /// The shortest exact spelling (`1500ms`, `5s`, `2m`), used in derived queue names.
    public var description: String {
        for (suffix, factor) in Self.units.reversed() where milliseconds % factor == 0 && milliseconds >= factor {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }

    public static func < (lhs: Interval, rhs: Interval) -> Bool { lhs.milliseconds < rhs.milliseconds }
}
