import Foundation
import Logging
import RabbitMQ
import ServiceLifecycle
import Synchronization
import Topology

/// Calls RPC endpoints and sends commands that want their outcome, over one connection whose
/// replies come back through RabbitMQ direct reply-to (DESIGN.md, "RPC over reply queues"):
/// no queue per call, nothing left on the broker, any number of calls in flight.
///
/// A `Service`: `run()` holds the connection and restores it after a loss; while it is down,
/// calls fail at once with `unavailable`. Each target has a circuit breaker.
public final class RPCClient: Service, Sendable {
    public struct Configuration: Sendable {
        public var amqp: RabbitMQ.Configuration
        /// The deadline of an RPC whose topology names none.
        public var defaultDeadline: Duration = .seconds(2)
        public var breaker = CircuitBreaker.Settings()

        public init(amqp: RabbitMQ.Configuration) {
            self.amqp = amqp
        }
    }

    /// How a timed-out call's compensation leaves: published by the client (no transaction to
    /// carry it), or handed back to a worker, which writes it into its outbox.
    enum CompensationRoute {
        case publish
        case handBack
    }

    let configuration: Configuration
    package let fleet: Fleet
    /// The calling context (or `ingress`, `warren-send`): the `app_id` of what it sends.
    package let caller: String
    let logger: Logger
    private let state = Mutex(State())
    private let metrics: RPCMetrics
    private let lateReplyCount = Atomic<Int>(0)

    private struct State {
        var channel: Channel?
        var connection: Connection?
        var pending: [String: ReplySlot] = [:]
        var deadlines = DeadlineHeap()
        /// `watchDeadlines` parked while no call is in flight.
        var watcher: CheckedContinuation<Void, Never>?
        var breakers: [String: CircuitBreaker] = [:]
        var connectedWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    public init(configuration: Configuration, fleet: Fleet, caller: String, logger: Logger) {
        var logger = logger
        logger[metadataKey: "rpc.caller"] = "\(caller)"
        self.configuration = configuration
        self.fleet = fleet
        self.caller = caller
        self.logger = logger
        self.metrics = RPCMetrics(caller: caller)
    }

    public var isConnected: Bool { state.withLock { $0.channel != nil } }

    /// Replies that arrived after their call ended (deadline passed), dropped.
    public var lateReplies: Int { lateReplyCount.load(ordering: .relaxed) }

    /// Returns once the client holds a connection (at once when it does), or when cancelled.
    public func connected() async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state in
                    if state.channel != nil || Task.isCancelled { return true }
                    state.connectedWaiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.connectedWaiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Waits for the connection while it is being opened (a worker's first command, a reconnect),
    /// within the call's deadline, rather than failing a call that would have been served a few
    /// milliseconds later. Returns what is left of the deadline. An open circuit does not wait:
    /// the call is refused fast as before.
    func connection(within deadline: Duration, target: String) async -> Duration {
        if isConnected || circuit(of: target) == .open { return deadline }
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.connected() }
            group.addTask { try? await Task.sleep(for: deadline) }
            await group.next()
            group.cancelAll()
        }
        return max(.zero, deadline - (ContinuousClock.now - started))
    }

    /// The breaker state of a target context, for health and tests.
    public func circuit(of target: String) -> CircuitBreaker.State {
        state.withLock { $0.breakers[target]?.state ?? .closed }
    }

    // MARK: - Connection

    public func run() async throws {
        var backoff = Backoff(maximum: .seconds(5))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await session()
                backoff = Backoff(maximum: .seconds(5))
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                let delay = backoff.next()
                logger.warning("rpc connection unavailable; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// One connection: open it, take replies until it is lost or the service stops.
    private func session() async throws {
        var amqp = configuration.amqp
        amqp.options.connectionName = "\(caller) rpc"
        let connection = try await Connection.connect(amqp, logger: logger)
        let channel: Channel
        let replies: Consumer
        do {
            channel = try await connection.openChannel()
            try await channel.enablePublisherConfirms(maxUnconfirmed: 10_000)
            replies = try await channel.consume(queue: "amq.rabbitmq.reply-to", noAck: true)
        } catch {
            try? await connection.close()
            throw error
        }
        let waiters = state.withLock { state in
            state.channel = channel
            state.connection = connection
            defer { state.connectedWaiters = [:] }
            return Array(state.connectedWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
        logger.info("rpc client connected")

        let lost: RabbitMQError? = await withTaskGroup(of: RabbitMQError?.self) { group in
            group.addTask {
                // On the connection's thread: a reply reaches its caller without a hop between.
                await withTaskExecutorPreference(connection.taskExecutor) {
                    do {
                        for try await delivery in replies { self.receive(delivery) }
                    } catch {
                        return error as? RabbitMQError ?? RabbitMQError(.connectionClosed, "reply consumer ended: \(error)")
                    }
                    return RabbitMQError(.connectionClosed, "reply consumer ended")
                }
            }
            group.addTask { await connection.closed() }
            group.addTask {
                try? await gracefulShutdown()
                return nil
            }
            group.addTask {
                await self.watchDeadlines()
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        // Replies to calls in flight can no longer arrive: direct reply-to belongs to the channel.
        let orphans = state.withLock { state in
            state.channel = nil
            state.connection = nil
            state.deadlines.removeAll()
            defer { state.pending = [:] }
            return Array(state.pending.values)
        }
        for slot in orphans { slot.answer(.connectionLost) }
        try? await connection.close()
        if let lost { throw lost }
    }

    private func receive(_ delivery: Delivery) {
        guard let id = delivery.properties.headers?[Envelope.Header.inReplyTo]?.stringValue ?? delivery.properties.correlationId,
              let envelope = try? Envelope(properties: delivery.properties)
        else {
            metrics.lateReply()
            logger.debug("reply without in-reply-to dropped")
            return
        }
        let slot = state.withLock { $0.pending.removeValue(forKey: id) }
        guard let slot, slot.answer(.reply(Reply(envelope: envelope, body: delivery.body))) else {
            lateReplyCount.add(1, ordering: .relaxed)
            metrics.lateReply()
            logger.info("late reply dropped: its call already ended", metadata: ["in_reply_to": "\(id)", "type": "\(envelope.type)"])
            return
        }
    }

    // MARK: - Calls

    /// Calls an RPC endpoint by its request type with a JSON body and returns the reply.
    public func call(type: String, body: Data, correlationId: String? = nil, messageId: String? = nil,
                     deadline: Duration? = nil) async throws(RPCError) -> Reply {
        try await call(type: type, body: body, cause: nil, correlationId: correlationId, messageId: messageId,
                       deadline: deadline, compensation: .publish)
    }

    /// Calls an RPC endpoint with a typed request.
    public func call<R: RPCRequest>(_ request: R, correlationId: String? = nil, messageId: String? = nil,
                                    deadline: Duration? = nil) async throws(RPCError) -> R.Reply {
        let body: Data
        do { body = try JSONEncoder.warren.encode(request) } catch {
            throw .rejected(target: R.type, reason: "the request does not encode: \(error)")
        }
        let reply = try await call(type: R.type, body: body, correlationId: correlationId, messageId: messageId, deadline: deadline)
        return try Self.decode(R.Reply.self, reply, target: R.type)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ reply: Reply, target: String) throws(RPCError) -> T {
        do { return try JSONDecoder.warren.decode(T.self, from: reply.body) } catch {
            throw .undecodableReply(target: target, reason: DecodingFailure.describe(error))
        }
    }

    /// Sends a command to its context and waits up to `wait` for its outcome. Nil when the wait
    /// ended first: the command is queued and will be handled (the caller answers 202).
    public func send(command type: String, body: Data, correlationId: String? = nil, messageId: String? = nil,
                     wait: Duration) async throws(RPCError) -> Outcome? {
        guard let message = fleet.message(type), message.kind == .command else {
            throw .rejected(target: type, reason: "\(type) is not a command of the topology")
        }
        let envelope = Envelope(messageId: messageId ?? Identifier.uuid(), correlationId: correlationId,
                                type: type, appId: caller, replyTo: "amq.rabbitmq.reply-to")
        let request = OutgoingMessage(exchange: message.exchange, routingKey: type, body: body, properties: envelope.properties)
        let wait = await connection(within: wait, target: message.context)
        // A command past its wait is not a failure: it was accepted (confirmed) and waits in its queue.
        switch await exchange(request, id: envelope.messageId, target: message.context, deadline: wait, deadlineIsFailure: false) {
        case .reply(let reply):
            guard reply.envelope.type == Reply.outcomeType else {
                throw Self.failure(of: reply, target: message.context) ?? .undecodableReply(target: message.context, reason: "expected \(Reply.outcomeType), got \(reply.envelope.type)")
            }
            do { return try Outcome(json: reply.body) } catch {
                throw .undecodableReply(target: message.context, reason: error.description)
            }
        case .deadlinePassed, .connectionLost(published: true):
            // A command is not an RPC: it does not expire, it waits in its queue to be handled.
            return nil
        case .connectionLost(published: false):
            throw .unavailable(target: message.context, reason: "the connection to the broker was lost before the command was sent")
        case .failed(let error):
            throw error
        }
    }

    /// The full RPC: breaker, publish with deadline, wait, compensation on ambiguity.
    /// Returns the reply, or with `.handBack` the compensation the caller must send itself.
    func call(type: String, body: Data, cause: Envelope?, correlationId: String?, messageId: String?,
              deadline: Duration?, compensation route: CompensationRoute) async throws(RPCError) -> Reply {
        guard let endpoint = fleet.rpc(type) else {
            throw .rejected(target: type, reason: "\(type) is not an RPC endpoint of the topology")
        }
        let deadline = await connection(within: deadline ?? endpoint.timeout.map { .milliseconds($0.milliseconds) } ?? configuration.defaultDeadline,
                                        target: endpoint.context)
        var envelope = cause?.caused(type: type, by: caller) ?? Envelope(type: type, appId: caller)
        if let messageId { envelope.messageId = messageId }
        if let correlationId { envelope.correlationId = correlationId }
        let request = Self.request(to: endpoint, body: body, envelope: &envelope, deadline: deadline)

        let started = ContinuousClock.now
        let answer = await exchange(request, id: envelope.messageId, target: endpoint.context, deadline: deadline)
        switch answer {
        case .reply(let reply):
            metrics.call(target: endpoint.context, outcome: "replied", duration: ContinuousClock.now - started)
            if let failure = Self.failure(of: reply, target: endpoint.context) { throw failure }
            return reply
        case .deadlinePassed, .connectionLost(published: true):
            let waited = ContinuousClock.now - started
            metrics.call(target: endpoint.context, outcome: "timed_out", duration: waited)
            if route == .publish, let compensation = Compensation(for: endpoint, request: body, envelope: envelope, fleet: fleet) {
                sendInBackground(compensation)
            }
            // A lost connection ends the wait early: the error says how long it really lasted.
            throw .timedOut(target: endpoint.context, after: answer.isDeadline ? deadline : waited)
        case .connectionLost(published: false):
            metrics.call(target: endpoint.context, outcome: "unavailable", duration: ContinuousClock.now - started)
            throw .unavailable(target: endpoint.context, reason: "the connection to the broker was lost before the request was sent")
        case .failed(let error):
            metrics.call(target: endpoint.context, outcome: "unavailable", duration: ContinuousClock.now - started)
            throw error
        }
    }

    /// A call as it goes on the wire: to the endpoint's exchange, mandatory, with `reply_to`
    /// direct reply-to and the deadline twice, as `expiration` (the request dies in its queue)
    /// and as the absolute `x-deadline` header (the server drops it if delivered too late).
    package static func request(to endpoint: RPCEndpoint, body: Data, envelope: inout Envelope, deadline: Duration) -> OutgoingMessage {
        envelope.replyTo = "amq.rabbitmq.reply-to"
        envelope.expiration = String(deadline.milliseconds)
        let expiresAt = UInt64((Date().timeIntervalSince1970 * 1000).rounded()) + UInt64(deadline.milliseconds)
        var properties = envelope.properties
        properties.headers?[Reply.deadlineHeader] = .int64(Int64(expiresAt))
        return OutgoingMessage(exchange: endpoint.request.exchange, routingKey: endpoint.type, body: body, properties: properties,
                               mandatory: true)
    }

    /// `warren.Error` replies as the typed error they stand for.
    static func failure(of reply: Reply, target: String) -> RPCError? {
        guard reply.envelope.type == Reply.errorType else { return nil }
        return .rejected(target: target, reason: Reply.errorReason(in: reply.body))
    }

    enum Answer {
        case reply(Reply)
        case deadlinePassed
        case connectionLost(published: Bool)
        case failed(RPCError)

        var isDeadline: Bool {
            if case .deadlinePassed = self { return true }
            return false
        }
    }

    /// Publishes a request with `reply_to` and waits for its reply, within the target's breaker.
    private func exchange(_ request: OutgoingMessage, id: String, target: String, deadline: Duration,
                          deadlineIsFailure: Bool = true) async -> Answer {
        let slot = ReplySlot()
        let admission: Result<Channel, RPCError> = state.withLock { state in
            // Mutated in place in the dictionary: a copy would copy its window too.
            let (decision, transition) = state.breakers[target, default: CircuitBreaker(settings: configuration.breaker)].admit(now: .now)
            if let transition { breakerChanged(target, to: transition) }
            if case .reject(let retryAt) = decision {
                let seconds = max(1, Int(((retryAt - .now) / .seconds(1)).rounded(.up)))
                return .failure(.unavailable(target: target, reason: "circuit open after repeated failures; retry in \(seconds)s"))
            }
            guard let channel = state.channel else {
                _ = state.breakers[target]?.record(failed: true, now: .now).map { breakerChanged(target, to: $0) }
                return .failure(.unavailable(target: target, reason: "not connected to the broker"))
            }
            state.pending[id] = slot
            if state.deadlines.isEmpty, let watcher = state.watcher {
                state.watcher = nil
                watcher.resume()
            }
            state.deadlines.insert(slot, at: .now + deadline)
            return .success(channel)
        }
        let channel: Channel
        switch admission {
        case .failure(let error):
            metrics.rejectedFast(target: target)
            return .failed(error)
        case .success(let admitted): channel = admitted
        }
        // Not awaited on its own: the confirm (or the refusal) and the reply land in the slot,
        // so a call suspends once, for whichever comes first that ends it.
        do {
            try channel.publish(request) { outcome in
                switch outcome {
                case .success: slot.confirmed.store(true, ordering: .releasing)
                case .failure(let error): slot.answer(.refused(error))
                }
            }
            slot.handedOver.store(true, ordering: .releasing)
        } catch {
            slot.answer(.refused(error as? RabbitMQError ?? RabbitMQError(.connectionLost, "\(error)")))
        }
        let answer = await slot.wait()
        state.withLock { _ = $0.pending.removeValue(forKey: id) }
        switch answer {
        case .reply(let reply):
            record(target: target, failed: false)
            return .reply(reply)
        case .deadlinePassed:
            record(target: target, failed: deadlineIsFailure)
            return .deadlinePassed
        case .connectionLost:
            record(target: target, failed: true)
            return .connectionLost(published: slot.handedOver.load(ordering: .acquiring))
        case .refused(let error) where error.endsConnection && slot.handedOver.load(ordering: .acquiring):
            // The connection ended before the confirm: the request may be in the queue.
            await renewConnection(after: error)
            record(target: target, failed: true)
            return .connectionLost(published: true)
        case .refused(let error):
            if error.code == .channelClosed || error.endsConnection {
                await renewConnection(after: error)
            }
            let reason = error.code == .returned
                ? "nothing serves \(request.routingKey) (the request was returned unroutable)" : "\(error)"
            record(target: target, failed: true)
            return .failed(.unavailable(target: target, reason: reason))
        }
    }

    /// How late past its deadline a call may end when calls with later deadlines are ahead
    /// of it: the watch sleeps at most this long.
    static let deadlineTick: Duration = .milliseconds(20)

    /// Ends the calls whose deadline passed, for the whole session (see `DeadlineHeap`).
    private func watchDeadlines() async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let (due, earliest) = state.withLock { state in (state.deadlines.removeDue(now: now), state.deadlines.earliest) }
            for slot in due { slot.answer(.deadlinePassed) }
            if let earliest {
                try? await Task.sleep(until: min(earliest, now + Self.deadlineTick), clock: .continuous)
            } else {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let awake = state.withLock { state in
                            guard state.deadlines.isEmpty && !Task.isCancelled else { return true }
                            state.watcher = continuation
                            return false
                        }
                        if awake { continuation.resume() }
                    }
                } onCancel: {
                    state.withLock { state in
                        defer { state.watcher = nil }
                        return state.watcher
                    }?.resume()
                }
            }
        }
    }

    /// The broker closed the channel (a publish to a missing exchange, say): its reply consumer
    /// is gone with it, so the whole session is renewed; calls in flight end as lost.
    private func renewConnection(after error: RabbitMQError) async {
        guard let connection = state.withLock({ state -> Connection? in
            defer { state.channel = nil }
            return state.connection
        }) else { return }
        logger.warning("rpc channel closed by the broker; reconnecting", metadata: ["error": "\(error)"])
        try? await connection.close()
    }

    private func record(target: String, failed: Bool) {
        state.withLock { state in
            if let transition = state.breakers[target]?.record(failed: failed, now: .now) { breakerChanged(target, to: transition) }
        }
    }

    private func breakerChanged(_ target: String, to new: CircuitBreaker.State) {
        metrics.breaker(target: target, state: new)
        let level: Logger.Level = new == .open ? .warning : .info
        var metadata: Logger.Metadata = ["rpc.target": "\(target)", "circuit": "\(new.rawValue)"]
        if new == .open { metadata["probe_in"] = "\(configuration.breaker.coolDown)" }
        logger.log(level: level, "circuit breaker changed", metadata: metadata)
    }

    // MARK: - Compensation

    /// Publishes a compensation with confirms, retrying with backoff while the broker is away.
    private func sendInBackground(_ compensation: Compensation) {
        let logger = logger
        logger.warning("rpc timed out: sending its compensation", metadata: [
            "compensation.type": "\(compensation.message.routingKey)", "message_id": "\(compensation.envelope.messageId)"])
        Task {
            var backoff = Backoff(maximum: .seconds(5))
            for _ in 0..<30 {
                if let channel = state.withLock({ $0.channel }) {
                    do {
                        try await channel.publish(compensation.message)
                        return
                    } catch {
                        logger.warning("compensation not confirmed yet; retrying", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: backoff.next())
            }
            logger.error("compensation could not be sent", metadata: [
                "compensation.type": "\(compensation.message.routingKey)", "message_id": "\(compensation.envelope.messageId)",
                "body": "\(String(decoding: compensation.message.body, as: UTF8.self))"])
        }
    }
}

