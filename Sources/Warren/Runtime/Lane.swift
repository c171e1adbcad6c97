import Logging
import Postgres
import RabbitMQ
import Synchronization
import Topology

/// One transaction at a time on one database connection: a worker runs `CONCURRENCY` lanes.
///
/// Deliveries with the same ordering key always go to the same lane, so they are handled in
/// order; others go to the lane with the shortest queue. A handler's calls before its
/// transaction (an RPC) do not hold the lane: up to `callsAhead` queued deliveries have their
/// calls started while the lane commits the ones before them, still in arrival order. Queued
/// deliveries without calls commit together, up to `commitTogether` in one transaction.
final class Lane: DeliveryLane {
    typealias Work = QueuedDelivery

    let index: Int
    let database: PostgresConnection
    let state: WorkerState
    let callsAhead: Int
    let commitTogether: Int
    private let queued = Atomic<Int>(0)
    private let waiting = LaneQueue<Work>()

    init(index: Int, database: PostgresConnection, state: WorkerState, callsAhead: Int = 8, commitTogether: Int = 8) {
        self.index = index
        self.database = database
        self.state = state
        self.callsAhead = max(1, callsAhead)
        self.commitTogether = max(1, commitTogether)
    }

    var backlog: Int { queued.load(ordering: .relaxed) }

    func enqueue(_ work: Work) {
        queued.add(1, ordering: .relaxed)
        waiting.push(work)
    }

    /// No more work comes; `run` returns after what is queued.
    func finish() { waiting.finish() }

    private struct Underway {
        let work: Work
        let started: DeliveryPipeline.Started?
    }

    /// Runs on the lane's database thread (a task executor preference): a delivery's statements
    /// then run inline, and the only thread hops left are the delivery's arrival and its publish.
    func run(_ pipeline: DeliveryPipeline, logger: Logger) async {
        await withTaskExecutorPreference(database.taskExecutor) {
            var underway: [Underway] = []
            defer { underway.forEach { $0.started?.ahead.cancel() } }
            while !Task.isCancelled {
                if underway.isEmpty {
                    guard let work = await waiting.next() else { break }
                    underway.append(await start(work, pipeline, logger: logger))
                }
                while underway.count < max(callsAhead, commitTogether), let work = waiting.poll() {
                    underway.append(await start(work, pipeline, logger: logger))
                }
                // The head, and after it the deliveries whose handlers make no calls, up to
                // `commitTogether`: one transaction for all of them (group commit).
                var group = [underway.removeFirst()]
                while group[0].started == nil, group.count < commitTogether, let following = underway.first, following.started == nil {
                    group.append(underway.removeFirst())
                }
                state.laneStarted(index)
                let together = group.count > 1 ? await processTogether(group.map(\.work), pipeline, logger: logger) : false
                if !together {
                    for member in group { await process(member.work, started: member.started, pipeline, logger: logger) }
                }
                state.laneFinished(index)
                queued.subtract(group.count, ordering: .relaxed)
            }
        }
    }

    /// Starts the delivery's calls, if its handler makes any; a failure here (the database
    /// away during the inbox check) leaves everything to `process`.
    private func start(_ work: Work, _ pipeline: DeliveryPipeline, logger: Logger) async -> Underway {
        guard callsAhead > 1 else { return Underway(work: work, started: nil) }
        do {
            return Underway(work: work, started: try await pipeline.startCalls(work.delivery, from: work.queue, database: database))
        } catch {
            logger.debug("calls not started ahead", metadata: ["lane": "\(index)", "error": "\(error)"])
            return Underway(work: work, started: nil)
        }
    }

    /// True when the group was handled in one transaction; false leaves it to `process`, one
    /// by one (which also sorts out a lost connection: the database is reconnected first).
    private func processTogether(_ group: [Work], _ pipeline: DeliveryPipeline, logger: Logger) async -> Bool {
        do {
            return try await pipeline.processTogether(group.map { ($0.delivery, $0.queue) }, database: database)
        } catch let error as PostgresError {
            logger.warning("database unavailable; retrying the deliveries after reconnecting", metadata: ["lane": "\(index)", "error": "\(error)"])
            var backoff = Backoff()
            await reconnectDatabase(&backoff, logger: logger)
            return false
        } catch {
            return false
        }
    }

    /// A lost database is reconnected and the same delivery tried again: its attempts are for
    /// the handler's failures, not ours. A lost broker ends the session; the broker redelivers.
    private func process(_ work: Work, started: DeliveryPipeline.Started?, _ pipeline: DeliveryPipeline, logger: Logger) async {
        var backoff = Backoff()
        var started = started
        while !Task.isCancelled {
            do {
                _ = try await pipeline.process(work.delivery, from: work.queue, database: database, started: started)
                return
            } catch let error as PostgresError {
                logger.warning("database unavailable; retrying the delivery after reconnecting", metadata: ["lane": "\(index)", "error": "\(error)"])
                // The step started ahead may be what failed (an id claim on the lost database):
                // its task keeps that failure, so the retry runs the step again. Its calls and
                // claims are keyed by the message id: asking again gets the same answers.
                started = nil
                await reconnectDatabase(&backoff, logger: logger)
            } catch {
                // The broker connection is gone: the session restarts and the message comes again.
                logger.debug("delivery abandoned with its connection", metadata: ["lane": "\(index)", "error": "\(error)"])
                return
            }
        }
    }

    private func reconnectDatabase(_ backoff: inout Backoff, logger: Logger) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: backoff.next())
            do {
                try await database.reset()
                return
            } catch {
                logger.warning("database still unavailable", metadata: ["lane": "\(index)", "error": "\(error)"])
            }
        }
    }
}

/// Exponential backoff with full jitter, so replicas that lost the same server do not all
/// return at the same instant.
package struct Backoff: Sendable {
    var attempt = 0
    var base: Duration = .milliseconds(100)
    var maximum: Duration = .seconds(5)

    package init(base: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.base = base
        self.maximum = maximum
    }

    package mutating func next() -> Duration {
        attempt += 1
        let ceiling = min(maximum, base * (1 << min(attempt, 16)))
        let milliseconds = ceiling.milliseconds
        return .milliseconds(Int64.random(in: milliseconds / 2...max(milliseconds / 2, milliseconds)))
    }
}
