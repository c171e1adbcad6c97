import CRabbitMQ
import Foundation

/// A handle on one AMQP channel. Cheap to copy; every call runs on the connection's thread.
///
/// After the broker closes the channel (e.g. 406 PRECONDITION_FAILED on a declaration), every
/// call throws that same error: open a new channel to go on.
public struct Channel: Sendable {
    let core: ConnectionCore
    public let number: UInt16
    let id: UInt64

    init(core: ConnectionCore, number: UInt16, id: UInt64) {
        self.core = core
        self.number = number
        self.id = id
    }

    /// Runs `operation` on this channel on the connection thread.
    private func run<Value: Sendable>(_ operation: @escaping @Sendable (ConnectionCore, ChannelState, Promise<Value>) -> Void) async throws -> Value {
        let (number, id) = (self.number, self.id)
        return try await core.perform { core, promise in
            core.onChannel(number, id, promise) { channel in operation(core, channel, promise) }
        }
    }

    /// Sends a synchronous method built by `build` and waits for its `-ok`.
    private func call<Body, Value: Sendable>(
        _ method: amqp_method_number_t, expecting reply: amqp_method_number_t,
        build: @escaping @Sendable (CArena) -> Body, decode: @escaping @Sendable (UnsafeMutableRawPointer?) -> Value
    ) async throws -> Value {
        try await run { core, channel, promise in
            let arena = CArena()
            var body = build(arena)
            core.call(channel, method, &body, expecting: reply) { result in
                withExtendedLifetime(arena) { promise.complete(result.map(decode)) }
            }
        }
    }

    // MARK: - Declarations

    public func declareExchange(_ name: String, type: ExchangeType = .topic, durable: Bool = true, autoDelete: Bool = false,
                                internal: Bool = false, passive: Bool = false, arguments: FieldTable = [:]) async throws {
        try await call(Method.exchangeDeclare, expecting: Method.exchangeDeclareOk, build: { arena in
            var declare = amqp_exchange_declare_t()
            declare.exchange = arena.bytes(name)
            declare.type = arena.bytes(type.name)
            declare.passive = passive ? 1 : 0
            declare.durable = durable ? 1 : 0
            declare.auto_delete = autoDelete ? 1 : 0
            declare.`internal` = `internal` ? 1 : 0
            declare.arguments = TableCoding.encode(arguments, in: arena)
            return declare
        }, decode: { _ in () })
    }

    public func deleteExchange(_ name: String, ifUnused: Bool = false) async throws {
        try await call(Method.exchangeDelete, expecting: Method.exchangeDeleteOk, build: { arena in
            amqp_exchange_delete_t(ticket: 0, exchange: arena.bytes(name), if_unused: ifUnused ? 1 : 0, nowait: 0)
        }, decode: { _ in () })
    }

    /// Declares a queue; `passive` only checks that it exists (404 NOT_FOUND otherwise).
    /// Quorum queues: pass `arguments: ["x-queue-type": "quorum"]`; they must be durable.
    @discardableResult
    public func declareQueue(_ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
                             passive: Bool = false, arguments: FieldTable = [:]) async throws -> QueueState {
        try await call(Method.queueDeclare, expecting: Method.queueDeclareOk, build: { arena in
            var declare = amqp_queue_declare_t()
            declare.queue = arena.bytes(name)
            declare.passive = passive ? 1 : 0
            declare.durable = durable ? 1 : 0
            declare.exclusive = exclusive ? 1 : 0
            declare.auto_delete = autoDelete ? 1 : 0
            declare.arguments = TableCoding.encode(arguments, in: arena)
            return declare
        }, decode: { decoded in
            let ok = decoded!.assumingMemoryBound(to: amqp_queue_declare_ok_t.self).pointee
            return QueueState(name: ok.queue.string, messageCount: Int(ok.message_count), consumerCount: Int(ok.consumer_count))
        })
    }

    /// Deletes a queue; returns how many messages it held.
    @discardableResult
    public func deleteQueue(_ name: String, ifUnused: Bool = false, ifEmpty: Bool = false) async throws -> Int {
        try await call(Method.queueDelete, expecting: Method.queueDeleteOk, build: { arena in
            amqp_queue_delete_t(ticket: 0, queue: arena.bytes(name), if_unused: ifUnused ? 1 : 0, if_empty: ifEmpty ? 1 : 0, nowait: 0)
        }, decode: { decoded in Int(decoded!.assumingMemoryBound(to: amqp_queue_delete_ok_t.self).pointee.message_count) })
    }

    /// Removes every ready message from a queue; returns how many.
    @discardableResult
    public func purgeQueue(_ name: String) async throws -> Int {
        try await call(Method.queuePurge, expecting: Method.queuePurgeOk, build: { arena in
            amqp_queue_purge_t(ticket: 0, queue: arena.bytes(name), nowait: 0)
        }, decode: { decoded in Int(decoded!.assumingMemoryBound(to: amqp_queue_purge_ok_t.self).pointee.message_count) })
    }

    public func bindQueue(_ queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:]) async throws {
        try await call(Method.queueBind, expecting: Method.queueBindOk, build: { arena in
            amqp_queue_bind_t(ticket: 0, queue: arena.bytes(queue), exchange: arena.bytes(exchange), routing_key: arena.bytes(routingKey),
                              nowait: 0, arguments: TableCoding.encode(arguments, in: arena))
        }, decode: { _ in () })
    }

    public func unbindQueue(_ queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:]) async throws {
        try await call(Method.queueUnbind, expecting: Method.queueUnbindOk, build: { arena in
            amqp_queue_unbind_t(ticket: 0, queue: arena.bytes(queue), exchange: arena.bytes(exchange), routing_key: arena.bytes(routingKey),
                                arguments: TableCoding.encode(arguments, in: arena))
        }, decode: { _ in () })
    }

    /// basic.qos: at most `prefetchCount` unacknowledged deliveries on this channel's consumers.
    public func qos(prefetchCount: UInt16, global: Bool = false) async throws {
        try await call(Method.basicQos, expecting: Method.basicQosOk, build: { _ in
            amqp_basic_qos_t(prefetch_size: 0, prefetch_count: prefetchCount, global: global ? 1 : 0)
        }, decode: { _ in () })
    }

    // MARK: - Publishing

    /// Puts the channel in confirm mode: each publish then waits for the broker's ack.
    /// At most `maxUnconfirmed` messages are in flight; further publishes wait their turn.
    public func enablePublisherConfirms(maxUnconfirmed: Int = 1000) async throws {
        try await run { core, channel, promise in core.confirmSelect(on: channel, maxUnconfirmed: maxUnconfirmed, promise) }
    }

    /// Publishes one message. In confirm mode it returns once the broker confirmed it, and throws
    /// `.nacked`, or `.returned` for an unroutable mandatory message.
    public func publish(_ message: OutgoingMessage) async throws {
        try await run { core, channel, promise in
            core.publish(message, on: channel) { promise.complete($0) }
        }
    }

    public func publish(_ body: Data, exchange: String = "", routingKey: String, properties: BasicProperties = .persistentJSON,
                        mandatory: Bool = true) async throws {
        try await publish(OutgoingMessage(exchange: exchange, routingKey: routingKey, body: body, properties: properties, mandatory: mandatory))
    }

    /// Publishes without waiting: the message is queued for the connection thread, in order
    /// with everything sent after it. `outcome` runs on the connection thread once the broker
    /// confirmed, nacked or returned the message (at once on a channel without confirms), or
    /// when the channel turns out to be closed or the write fails. Throws only if the
    /// connection is already gone.
    public func publish(_ message: OutgoingMessage, outcome: @escaping @Sendable (Result<Void, RabbitMQError>) -> Void) throws {
        let (number, id) = (self.number, self.id)
        let failed = core.submit { core in
            switch core.channel(number, id: id) {
            case .failure(let error): outcome(.failure(error))
            case .success(let channel): core.publish(message, on: channel, complete: outcome)
            }
        }
        if let failed { throw failed }
    }

    /// Publishes without waiting for any outcome but a failure: for messages whose loss the
    /// sender covers otherwise, such as an RPC reply the server keeps for a retried request.
    public func send(_ message: OutgoingMessage, onFailure: @escaping @Sendable (RabbitMQError) -> Void = { _ in }) throws {
        try publish(message) { if case .failure(let error) = $0 { onFailure(error) } }
    }

    /// Publishes many messages in one hop to the connection thread and waits for every outcome.
    /// The results are in the order of `messages`; a failure of one does not stop the others.
    public func publish(contentsOf messages: [OutgoingMessage]) async throws -> [Result<Void, RabbitMQError>] {
        guard !messages.isEmpty else { return [] }
        return try await run { core, channel, promise in
            let outcomes = PublishBatch(count: messages.count, promise: promise)
            for (index, message) in messages.enumerated() {
                core.publish(message, on: channel) { outcomes.record($0, at: index) }
            }
        }
    }

    // MARK: - Consuming

    /// Starts a consumer (basic.consume). With `noAck`, the broker considers messages settled on
    /// delivery (direct reply-to requires it); otherwise ack, nack or reject each delivery.
    public func consume(queue: String, consumerTag: String? = nil, noAck: Bool = false, exclusive: Bool = false,
                        arguments: FieldTable = [:]) async throws -> Consumer {
        let tag = consumerTag ?? "warren-\(UUID().uuidString.lowercased())"
        let buffer = DeliveryBuffer()
        try await run { core, channel, promise in
            core.consume(queue, tag: tag, noAck: noAck, exclusive: exclusive, arguments: arguments, on: channel,
                         buffer: buffer, promise)
        }
        return Consumer(tag: tag, channel: self, buffer: buffer)
    }

    public func cancel(consumerTag: String) async throws {
        try await run { core, channel, promise in core.cancel(consumerTag, on: channel, promise) }
    }

    // basic.ack, basic.nack and basic.reject have no reply in AMQP, so these return once the
    // settlement is queued for the connection thread, in order with everything sent after it,
    // without waiting for a thread switch. They throw if the connection is already gone; a
    // channel that closes before the write ends its consumers' sequences with the reason.

    public func ack(deliveryTag: UInt64, multiple: Bool = false) async throws {
        try settle(.ack(deliveryTag, multiple: multiple))
    }

    /// Acks these deliveries of this channel: those that leave no older delivery of the channel
    /// outstanding go as one `multiple` ack (on a quorum queue each ack frame is a Raft
    /// command), the others one by one.
    public func ack(deliveryTags: [UInt64]) async throws {
        guard !deliveryTags.isEmpty else { return }
        try settle(.acks(deliveryTags))
    }

    public func nack(deliveryTag: UInt64, multiple: Bool = false, requeue: Bool) async throws {
        try settle(.nack(deliveryTag, multiple: multiple, requeue: requeue))
    }

    public func reject(deliveryTag: UInt64, requeue: Bool) async throws {
        try settle(.reject(deliveryTag, requeue: requeue))
    }

    private func settle(_ settlement: Settlement) throws {
        let (number, id) = (self.number, self.id)
        if let error = core.submit({ core in core.settle(settlement, channel: number, id: id) }) { throw error }
    }

    /// Closes the channel; unacknowledged deliveries go back to their queues.
    public func close() async throws {
        let (number, id) = (self.number, self.id)
        try await core.perform { core, promise in core.closeChannel(number, id: id, promise) }
    }
}

/// Collects the outcomes of a batch publish on the connection thread and resolves once all are in.
private final class PublishBatch {
    private var results: [Result<Void, RabbitMQError>]
    private var remaining: Int
    private let promise: Promise<[Result<Void, RabbitMQError>]>

    init(count: Int, promise: Promise<[Result<Void, RabbitMQError>]>) {
        results = Array(repeating: .success(()), count: count)
        remaining = count
        self.promise = promise
    }

    func record(_ result: Result<Void, RabbitMQError>, at index: Int) {
        results[index] = result
        remaining -= 1
        if remaining == 0 { promise.succeed(results) }
    }
}
