import Foundation
import RabbitMQ
import Synchronization

/// An operator's view of `<context>.dead`: read the dead letters without removing them, and
/// send chosen ones back where they failed (`warren dead list|show|replay`).
///
/// AMQP 0-9-1 reading without removing: our client has no `basic.get`, so the queue is consumed
/// with manual acks and a prefetch of the wanted count, and the channel is then closed without
/// acking, which makes the broker requeue every delivery it holds, in place. No `nack` is sent:
/// on quorum queues an explicit requeue counts towards the delivery limit (RabbitMQ 4 sets 20
/// by default). On RabbitMQ 3.x each look still raises `x-delivery-count` by one; 3.x sets no
/// default limit, so nothing is dropped.
public struct DeadLetterQueue: Sendable {
    public let name: String
    let connection: Connection
    /// How long to wait for a delivery the queue's count promised before giving up on it.
    public var patience: Duration = .seconds(3)

    public init(queue name: String, connection: Connection) {
        self.name = name
        self.connection = connection
    }

    /// The dead letter queue of a bounded context, `<context>.dead`.
    public init(context: String, connection: Connection) {
        self.init(queue: "\(context).dead", connection: connection)
    }

    /// A dead letter as the headers `DeliveryPipeline` wrote explain it.
    public struct Letter: Sendable {
        public let properties: BasicProperties
        public let body: Data
        /// Where it reached the dead letter exchange from, i.e. the failing worker's publish.
        public let deadLetterRoutingKey: String
        public let redelivered: Bool

        public var messageId: String? { properties.messageId }
        public var type: String? { properties.type }
        public var headers: FieldTable { properties.headers ?? [:] }
        /// Ours, or for a letter the broker dead-lettered itself its own reason (`expired`: an
        /// RPC request whose deadline passed in its queue; `delivery_limit`).
        public var reason: String? { headers[DeadLetter.reason]?.stringValue ?? headers["x-first-death-reason"]?.stringValue }
        public var reasonMessage: String? { headers[DeadLetter.message]?.stringValue }
        public var originalExchange: String? { headers[DeadLetter.originalExchange]?.stringValue }
        public var originalRoutingKey: String? { headers[DeadLetter.originalRoutingKey]?.stringValue }
        public var originalQueue: String? { headers[DeadLetter.originalQueue]?.stringValue }
        public var failedAt: Date? {
            if case .timestamp(let seconds)? = headers[DeadLetter.failedAt] { return Date(timeIntervalSince1970: TimeInterval(seconds)) }
            return nil
        }

        package init(_ delivery: Delivery) {
            properties = delivery.properties
            body = delivery.body
            deadLetterRoutingKey = delivery.routingKey
            redelivered = delivery.redelivered
        }

        /// The message as it is sent again: to its original exchange and routing key, first
        /// attempt, without the headers that described its death; nil when it does not say
        /// where it came from.
        public var replay: OutgoingMessage? {
            guard let exchange = originalExchange, let routingKey = originalRoutingKey else { return nil }
            var properties = properties
            var headers = headers
            for key in headers.keys where Self.deathHeaders.contains(key) || key.hasPrefix("x-first-death-") || key.hasPrefix("x-last-death-") {
                headers.removeValue(forKey: key)
            }
            headers[Envelope.Header.attempt] = .int64(1)
            properties.headers = headers
            return OutgoingMessage(exchange: exchange, routingKey: routingKey, body: body, properties: properties, mandatory: true)
        }

        /// Ours, the retry path's last error, the broker's own dead-lettering record, and the
        /// quorum queue's delivery counters of the dead letter queue.
        static let deathHeaders: Set<String> = [
            DeadLetter.reason, DeadLetter.message, DeadLetter.originalExchange, DeadLetter.originalRoutingKey,
            DeadLetter.originalQueue, DeadLetter.failedAt, "x-last-error", "x-death", "x-delivery-count", "x-acquired-count",
        ]
    }

    /// What a look at the queue found, and whether the queue holds as many again afterwards.
    public struct Inspection: Sendable {
        public let letters: [Letter]
        /// Ready messages before the look.
        public let countBefore: Int
        /// Ready messages once the channel was closed and the broker had requeued what it lent.
        public let countAfter: Int
        public var allReturned: Bool { countAfter >= countBefore }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads up to `limit` dead letters from the head of the queue and leaves every one there.
    public func inspect(limit: Int) async throws -> Inspection {
        let before = try await readyCount()
        let letters = try await withLent(count: min(limit, before), until: .all) { letters in letters }
        return Inspection(letters: letters.map(\.0), countBefore: before, countAfter: try await settledCount(atLeast: before))
    }

    /// The dead letter whose message id is `messageId`, looking at up to `limit` of them; every
    /// one stays in the queue.
    public func letter(id messageId: String, limit: Int) async throws -> Letter? {
        let before = try await readyCount()
        let found = try await withLent(count: min(limit, before), until: .ids([messageId])) { letters in
            letters.first { $0.0.messageId == messageId }?.0
        }
        _ = try await settledCount(atLeast: before)
        return found
    }

    public enum Selection: Sendable {
        case all
        case ids(Set<String>)

        func contains(_ letter: Letter) -> Bool {
            switch self {
            case .all: return true
            case .ids(let ids): return letter.messageId.map(ids.contains) ?? false
            }
        }
    }

    public struct ReplayResult: Sendable {
        public let messageId: String?
        public let exchange: String?
        public let routingKey: String?
        /// nil when the broker confirmed the copy and the dead letter was acked (removed).
        public let problem: String?
    }

    /// Publishes the selected dead letters among the first `limit` again, each to its original
    /// exchange and routing key with `x-attempt` 1, with publisher confirms; a dead letter is
    /// acked (removed from the queue) only after the broker confirmed its copy. Everything not
    /// replayed stays in the queue.
    public func replay(_ selection: Selection, limit: Int) async throws -> [ReplayResult] {
        let before = try await readyCount()
        let publishing = try await connection.openChannel()
        do {
            try await publishing.enablePublisherConfirms(maxUnconfirmed: 1)
            let results = try await replay(selection, limit: min(limit, before), on: publishing)
            try await publishing.close()
            _ = try await settledCount(atLeast: before - results.filter { $0.problem == nil }.count)
            return results
        } catch {
            try? await publishing.close()
            throw error
        }
    }

    private func replay(_ selection: Selection, limit: Int, on publishing: Channel) async throws -> [ReplayResult] {
        try await withLent(count: limit, until: selection) { lent -> [ReplayResult] in
            var results: [ReplayResult] = []
            for (letter, delivery) in lent where selection.contains(letter) {
                guard let message = letter.replay else {
                    results.append(ReplayResult(messageId: letter.messageId, exchange: nil, routingKey: nil,
                                                problem: "no \(DeadLetter.originalExchange)/\(DeadLetter.originalRoutingKey) headers: cannot tell where it came from"))
                    continue
                }
                var problem: String?
                switch try await publishing.publish(contentsOf: [message]).first {
                case .success?:
                    try await delivery.ack()
                case .failure(let error)?:
                    problem = "not confirmed, left in \(name): \(error)"
                case nil:
                    problem = "not confirmed, left in \(name)"
                }
                results.append(ReplayResult(messageId: letter.messageId, exchange: message.exchange, routingKey: message.routingKey, problem: problem))
            }
            return results
        }
    }

    /// Ready messages, by a passive declare; names the queue when it does not exist.
    public func readyCount() async throws -> Int {
        do {
            return try await connection.withChannel { try await $0.declareQueue(name, passive: true).messageCount }
        } catch let error as RabbitMQError where error.replyCode == 404 {
            throw Failure(description: "queue \(name) does not exist on this broker (vhost \(connection.configuration.virtualHost))")
        }
    }

    /// Borrows up to `count` deliveries on a channel of their own, hands them to `body`, then
    /// closes the channel: whatever `body` did not ack goes back to the queue.
    private func withLent<Value: Sendable>(count: Int, until selection: Selection,
                                           _ body: ([(Letter, Delivery)]) async throws -> Value) async throws -> Value {
        let channel = try await connection.openChannel()
        do {
            var lent: [(Letter, Delivery)] = []
            if count > 0 {
                try await channel.qos(prefetchCount: UInt16(min(count, Int(UInt16.max))))
                let consumer = try await channel.consume(queue: name, noAck: false)
                lent = try await take(count, from: consumer, until: selection)
            }
            let value = try await body(lent)
            try await channel.close()
            return value
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Up to `count` deliveries, fewer when every selected id was seen or when the queue has
    /// none left within `patience`.
    private func take(_ count: Int, from consumer: Consumer, until selection: Selection) async throws -> [(Letter, Delivery)] {
        let taken = Lent()
        let patience = patience
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var unseen: Set<String>? = nil
                if case .ids(let ids) = selection { unseen = ids }
                for try await delivery in consumer {
                    let letter = Letter(delivery)
                    let full = taken.add(letter, delivery) >= count
                    if let id = letter.messageId { unseen?.remove(id) }
                    if full || unseen?.isEmpty == true { return }
                }
            }
            group.addTask { try await Task.sleep(for: patience) }
            try await group.next()
            group.cancelAll()
        }
        return taken.all
    }

    /// What the consuming task has taken so far, kept when it is cancelled.
    private final class Lent: Sendable {
        private let deliveries = Mutex<[(Letter, Delivery)]>([])
        func add(_ letter: Letter, _ delivery: Delivery) -> Int {
            deliveries.withLock { $0.append((letter, delivery)); return $0.count }
        }
        var all: [(Letter, Delivery)] { deliveries.withLock { $0 } }
    }

    /// The ready count once the broker has requeued the deliveries of a closed channel (it does
    /// so asynchronously): waits up to `patience` for `expected`, then returns what it sees.
    private func settledCount(atLeast expected: Int) async throws -> Int {
        let deadline = ContinuousClock.now + patience
        while true {
            let count = try await readyCount()
            if count >= expected || ContinuousClock.now >= deadline { return count }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
