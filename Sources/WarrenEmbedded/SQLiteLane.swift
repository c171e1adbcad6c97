import Logging
import Synchronization
import Warren

/// The one lane of an embedded store's worker: deliveries handled one at a time, in arrival
/// order, each through the shared delivery pipeline with the SQLite transaction as its step.
final class SQLiteLane: DeliveryLane {
    private let transaction: SQLiteTransaction
    private let state: WorkerState
    private let waiting = LaneQueue<QueuedDelivery>()
    private let queued = Atomic<Int>(0)

    init(transaction: SQLiteTransaction, state: WorkerState) {
        self.transaction = transaction
        self.state = state
    }

    var backlog: Int { queued.load(ordering: .relaxed) }

    func enqueue(_ work: QueuedDelivery) {
        queued.add(1, ordering: .relaxed)
        waiting.push(work)
    }

    func finish() { waiting.finish() }

    func run(_ pipeline: DeliveryPipeline, logger: Logger) async {
        while !Task.isCancelled, let work = await waiting.next() {
            state.laneStarted(0)
            do {
                let transaction = transaction
                _ = try await pipeline.process(work.delivery, from: work.queue) { _, envelope, _, logger in
                    try await transaction.run(body: work.delivery.body, envelope: envelope, queue: work.queue.name, logger: logger)
                }
            } catch {
                // The broker connection is gone: the session restarts and the message comes again.
                logger.debug("delivery abandoned with its connection", metadata: ["error": "\(error)"])
            }
            state.laneFinished(0)
            queued.subtract(1, ordering: .relaxed)
        }
    }
}
