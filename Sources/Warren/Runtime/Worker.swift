import Foundation
import Logging
import Postgres
import RabbitMQ
import ServiceLifecycle
import Synchronization
import Topology

/// Runs one bounded context: consumes its queues, handles each delivery with the reliability
/// protocol, relays its outbox, and keeps going through lost connections.
///
/// A `Service`: on graceful shutdown (SIGTERM) it cancels its consumers, lets in-flight
/// deliveries finish and ack within the grace period, closes its connections and returns.
public final class Worker: Service, Sendable {
    public let context: BoundedContext
    public let configuration: WorkerConfiguration
    public let state: WorkerState
    private let logger: Logger
    private let store: any ContextStore

    /// A worker whose context keeps its state in PostgreSQL (`DATABASE_URL`).
    public convenience init(context: BoundedContext, configuration: WorkerConfiguration, state: WorkerState = WorkerState(), logger: Logger) {
        self.init(context: context, configuration: configuration, state: state, logger: logger,
                  store: PostgresStore(context: context, configuration: configuration))
    }

    /// A worker whose context keeps its state in `store` (an embedded store's runtime).
    package init(context: BoundedContext, configuration: WorkerConfiguration, state: WorkerState = WorkerState(), logger: Logger,
                 store: any ContextStore) {
        var logger = logger
        logger[metadataKey: "context"] = "\(context.name)"
        self.context = context
        self.configuration = configuration
        self.state = state
        self.logger = logger
        self.store = store
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The context's part of the topology, checked against its handlers.
    package func loadTopology() throws -> (Fleet, Topology.Context) {
        let (fleet, problems) = try TopologyDirectory(configuration.topologyDirectory).check(system: context.system)
        if !problems.isEmpty {
            throw StartFailure(description: "the topology under \(configuration.topologyDirectory) has problems (run `warren topology check`):\n" + problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        guard let topology = fleet.context(named: context.name) else {
            throw StartFailure(description: "no topology file for context `\(context.name)` under \(configuration.topologyDirectory)/\(context.system)/")
        }
        let mismatches = HandlerCheck.mismatches(context, topology)
        if !mismatches.isEmpty {
            throw StartFailure(description: "the handlers of \(context.name) and its topology disagree:\n" + mismatches.map { "  \($0)" }.joined(separator: "\n"))
        }
        return (fleet, topology)
    }

    public func run() async throws {
        let (fleet, topology) = try loadTopology()
        if topology.store.isProcessLocal, store is PostgresStore {
            throw StartFailure(description: "\(topology.location.file) declares `store: \(topology.store)`: \(context.name) runs on the embedded store's runtime (WarrenEmbedded), not on PostgreSQL")
        }
        let amqp = try Configuration(url: configuration.amqpURL)
        let metrics = WorkerMetrics(context: context.name)

        let heartbeat = Task { [state] in
            while !Task.isCancelled {
                state.tick()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer { heartbeat.cancel() }

        // The store's connections or file are kept across broker reconnects.
        guard try await store.open(state: state, logger: logger) else { return }
        defer { Task { [store] in await store.close() } }

        // Handlers that call other contexts share one RPC connection, kept across sessions.
        var rpcClient: RPCClient?
        if !topology.calls.isEmpty {
            var rpcConfiguration = RPCClient.Configuration(amqp: amqp)
            rpcConfiguration.breaker = configuration.breaker
            rpcClient = RPCClient(configuration: rpcConfiguration, fleet: fleet, caller: context.name, logger: logger)
        }
        // Detached, so it does not see the graceful shutdown: the lanes drain in-flight deliveries
        // whose `before` steps still wait for replies; the client stops when `run` returns.
        let rpcTask = rpcClient.map { client in Task.detached { try await client.run() } }
        defer { rpcTask?.cancel() }

        var backoff = Backoff(maximum: .seconds(10))
        while !Self.shuttingDown {
            do {
                let shutdown = try await runSession(amqp: amqp, fleet: fleet, topology: topology, metrics: metrics, rpcClient: rpcClient)
                if shutdown { break }
                backoff = Backoff(maximum: .seconds(10))
            } catch {
                state.setReady(false, reason: "broker session lost (\(error)); reconnecting")
                metrics.connected(false)
                if Self.shuttingDown { break }
                let delay = backoff.next()
                logger.warning("broker session ended; reconnecting", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
        logger.info("worker stopped")
    }

    private static var shuttingDown: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    private enum SessionEnd: Sendable {
        case shutdown
        case lost(String)
    }

    /// One broker session: two connections, the consumers, the lanes and the relay. Returns true
    /// after a graceful shutdown; throws when a connection was lost, so `run` reconnects.
    private func runSession(amqp: Configuration, fleet: Fleet, topology: Topology.Context, metrics: WorkerMetrics,
                            rpcClient: RPCClient?) async throws -> Bool {
        var consumeConfiguration = amqp
        consumeConfiguration.options.connectionName = "\(context.name) consume"
        var publishConfiguration = amqp
        publishConfiguration.options.connectionName = "\(context.name) publish"
        let consuming = try await Connection.connect(consumeConfiguration, logger: logger)
        let publishing: Connection
        do {
            publishing = try await Connection.connect(publishConfiguration, logger: logger)
        } catch {
            try? await consuming.close()
            throw error
        }
        defer {
            Task {
                try? await consuming.close()
                try? await publishing.close()
            }
        }
        let publisher = Publisher(connection: publishing, logger: logger)
        let sentRows = SentRows()
        let pipeline = DeliveryPipeline(
            context: context, topology: topology, routes: Routes(context: topology, fleet: fleet), publisher: publisher,
            sentRows: sentRows, metrics: metrics, logger: logger, rpcClient: rpcClient)
        let session = store.session(SessionBroker(pipeline: pipeline, publisher: publisher, sentRows: sentRows, metrics: metrics,
                                                  state: state, configuration: configuration, logger: logger))
        let lanes = session.lanes
        let relayStop = StopFlag()
        let queues = topology.queues.filter { ($0.role == .consumer || $0.role == .rpc) && !$0.consumes.isEmpty }
        let consumers = try await startConsumers(queues, on: consuming)

        let end: SessionEnd = await withTaskGroup(of: Bool.self) { group in
            for lane in lanes { group.addTask { await lane.run(session.pipeline, logger: self.logger); return true } }
            group.addTask { await session.relay(relayStop); return true }
            state.setReady(true)
            metrics.connected(true)
            logger.info("worker ready", metadata: ["queues": "\(queues.map(\.name).joined(separator: ","))", "lanes": "\(lanes.count)"])

            let end = await intake(consumers, lanes: lanes, consuming: consuming, connections: [consuming, publishing])
            state.setReady(false, reason: "consumers stopped; finishing in-flight deliveries")
            // No more work comes in: let the lanes finish what they hold, within the grace period.
            // The relay stops only after them: it deletes the rows their last deliveries confirmed.
            for lane in lanes { lane.finish() }
            let grace = self.configuration.shutdownGrace
            group.addTask { try? await Task.sleep(for: grace); return false }
            var lanesRunning = lanes.count
            var relayRunning = true
            while lanesRunning > 0 || relayRunning, let finished = await group.next() {
                if !finished {
                    self.logger.warning("in-flight deliveries did not finish within the grace period; the broker redelivers them",
                                        metadata: ["grace": "\(grace)"])
                    break
                }
                if lanesRunning > 0 { lanesRunning -= 1 } else { relayRunning = false }
                if lanesRunning == 0 { relayStop.stop() }
            }
            group.cancelAll()
            return end
        }
        switch end {
        case .shutdown:
            logger.info("consumers cancelled and in-flight deliveries finished")
            return true
        case .lost(let reason):
            throw StartFailure(description: reason)
        }
    }

    private func startConsumers(_ queues: [Topology.Queue], on connection: Connection) async throws -> [(Consumer, Topology.Queue)] {
        var consumers: [(Consumer, Topology.Queue)] = []
        for queue in queues {
            let channel = try await connection.openChannel()
            do {
                try await channel.declareQueue(queue.name, passive: true)
            } catch let error as RabbitMQError where error.replyCode == 404 {
                throw StartFailure(description: "queue \(queue.name) does not exist on the broker: run `warren topology apply` first")
            }
            try await channel.qos(prefetchCount: UInt16(configuration.prefetch ?? queue.prefetch))
            consumers.append((try await channel.consume(queue: queue.name, consumerTag: "\(context.name)-\(UUID().uuidString.prefix(8))"), queue))
        }
        return consumers
    }

    /// Feeds deliveries to lanes until a graceful shutdown (consumers cancelled, buffered
    /// deliveries still handed on) or until a connection or consumer is lost.
    private func intake(_ consumers: [(Consumer, Topology.Queue)], lanes: [any DeliveryLane], consuming: Connection,
                        connections: [Connection]) async -> SessionEnd {
        await withTaskGroup(of: SessionEnd?.self) { group in
            for (consumer, queue) in consumers {
                group.addTask { await self.dispatch(consumer, queue: queue, to: lanes, executor: consuming.taskExecutor) }
            }
            group.addTask {
                do {
                    try await gracefulShutdown()
                    return .shutdown
                } catch {
                    return nil  // cancelled: the session ended for another reason
                }
            }
            for connection in connections {
                group.addTask {
                    guard let reason = await connection.closed() else { return nil }
                    return .lost("\(reason)")
                }
            }
            var end: SessionEnd?
            var openConsumers = consumers.count
            while let result = await group.next() {
                switch result {
                case .shutdown?:
                    if end == nil {
                        end = .shutdown
                        for (consumer, _) in consumers { try? await consumer.cancel() }
                    }
                case .lost(let reason)?:
                    if end == nil { end = .lost(reason) }
                    group.cancelAll()
                case nil:
                    openConsumers -= 1
                    // Every consumer has ended: nothing more can arrive in this session.
                    if openConsumers <= 0 && end == nil { end = .lost("every consumer ended") }
                    if openConsumers <= 0 { group.cancelAll() }
                }
            }
            return end ?? .lost("session ended")
        }
    }

    /// Returns nil when the consumer ends; a thrown error (channel or connection lost) is logged.
    private func dispatch(_ consumer: Consumer, queue: Topology.Queue, to lanes: [any DeliveryLane], executor: any TaskExecutor) async -> SessionEnd? {
        do {
            // On the consuming connection's own thread: deliveries arrive with no thread hop.
            try await withTaskExecutorPreference(executor) {
                for try await delivery in consumer {
                    lane(for: delivery, queue: queue, among: lanes).enqueue(QueuedDelivery(delivery: delivery, queue: queue))
                }
            }
        } catch {
            logger.warning("consumer ended", metadata: ["queue": "\(queue.name)", "error": "\(error)"])
        }
        return nil
    }

    private func lane(for delivery: Delivery, queue: Topology.Queue, among lanes: [any DeliveryLane]) -> any DeliveryLane {
        if let key = queue.orderingKey, let value = OrderingKey.value(of: key, in: delivery.body) {
            return lanes[OrderingKey.lane(for: value, count: lanes.count)]
        }
        return lanes.min { $0.backlog < $1.backlog }!
    }
}

/// Per-key ordering: the lane of a delivery from a payload field's value.
enum OrderingKey {
    static func value(of field: String, in body: Data) -> String? {
        guard case .object(let members)? = try? JSONValue(parsing: body), let value = members[field] else { return nil }
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        default: return "\(value)"
        }
    }

    /// FNV-1a: stable across processes, unlike `hashValue`.
    static func lane(for value: String, count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in value.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }
}
