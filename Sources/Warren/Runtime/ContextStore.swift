import Logging
import RabbitMQ
import Topology

/// Where a worker keeps its context's state, and the part of the runtime that depends on it:
/// PostgreSQL (`PostgresStore`, every context's by default) or an embedded SQLite file
/// (`WarrenEmbedded`, for a context declared `store: sqlite`). Everything on the broker's side
/// (consumers, publisher, retries, dead letters, replies, reconnects, graceful stop) is
/// `Worker`'s and the same whatever the store.
package protocol ContextStore: Sendable {
    /// Opens the store and brings its schema up to date, waiting out a server that is away;
    /// false when a shutdown came first.
    func open(state: WorkerState, logger: Logger) async throws -> Bool
    /// What handles one broker session's deliveries: its lanes and its outbox relay.
    func session(_ broker: SessionBroker) -> StoreSession
    /// Closes what `open` opened.
    func close() async
}

/// What a store's session gets from the worker's broker session.
package struct SessionBroker: Sendable {
    /// The delivery pipeline over this session's publisher, before the store adds its part.
    package let pipeline: DeliveryPipeline
    package let publisher: Publisher
    /// Outbox rows the pipeline saw confirmed, for the relay to delete or mark.
    package let sentRows: SentRows
    package let metrics: WorkerMetrics
    package let state: WorkerState
    package let configuration: WorkerConfiguration
    package let logger: Logger
}

/// One broker session's work on a store: lanes fed with deliveries, and the relay of its outbox.
package struct StoreSession: Sendable {
    package var pipeline: DeliveryPipeline
    package var lanes: [any DeliveryLane]
    /// Runs until the flag is set, then deletes what was confirmed meanwhile and returns.
    package var relay: @Sendable (StopFlag) async -> Void

    package init(pipeline: DeliveryPipeline, lanes: [any DeliveryLane], relay: @escaping @Sendable (StopFlag) async -> Void) {
        self.pipeline = pipeline
        self.lanes = lanes
        self.relay = relay
    }
}

/// A delivery waiting for its lane, with the queue it came from.
package struct QueuedDelivery: Sendable {
    package let delivery: Delivery
    package let queue: Topology.Queue
}

/// Handles deliveries one transaction at a time, in the order they were queued.
package protocol DeliveryLane: AnyObject, Sendable {
    /// Deliveries queued and not yet handled, for picking the least busy lane.
    var backlog: Int { get }
    func enqueue(_ work: QueuedDelivery)
    /// No more work comes; `run` returns after what is queued.
    func finish()
    func run(_ pipeline: DeliveryPipeline, logger: Logger) async
}
