import Foundation
import Synchronization

/// What `/readyz` and `/livez` report.
///
/// Ready: connected to the broker and the database, consumers running; otherwise the reason.
/// Alive: the worker's own loop ticked recently and no lane has been stuck in one delivery for
/// longer than `handlerStuckAfter`; a process that answers HTTP but whose tasks are stuck is
/// wedged and should be restarted.
public final class WorkerState: Sendable {
    private let ready = Atomic<Bool>(false)
    private let lastTick = Atomic<Int64>(Int64(Date().timeIntervalSince1970))
    private let notReadyReason = Mutex("starting")
    /// Lane index → when its current delivery started (seconds since the epoch).
    private let busyLanes = Mutex<[Int: Int64]>([:])
    /// Seconds one delivery may take before the worker counts as wedged.
    public let handlerStuckAfter: Int64

    public init(handlerStuckAfter: Int64 = 300) {
        self.handlerStuckAfter = handlerStuckAfter
    }

    public var isReady: Bool { ready.load(ordering: .relaxed) }
    /// Why the worker is not ready, for `/readyz`.
    public var reason: String { notReadyReason.withLock { $0 } }

    package func setReady(_ value: Bool, reason: String = "") {
        if !value { notReadyReason.withLock { $0 = reason.isEmpty ? "not consuming" : reason } }
        ready.store(value, ordering: .relaxed)
    }

    func tick() { lastTick.store(Int64(Date().timeIntervalSince1970), ordering: .relaxed) }

    package func laneStarted(_ lane: Int) { busyLanes.withLock { $0[lane] = Int64(Date().timeIntervalSince1970) } }
    package func laneFinished(_ lane: Int) { busyLanes.withLock { _ = $0.removeValue(forKey: lane) } }

    /// Nil while alive; otherwise why the worker is wedged.
    public func wedged(tolerance: Int64 = 30) -> String? {
        let now = Int64(Date().timeIntervalSince1970)
        let late = now - lastTick.load(ordering: .relaxed)
        if late > tolerance { return "the worker's heartbeat is \(late)s old (tolerance \(tolerance)s): its tasks are stuck" }
        let stuck = busyLanes.withLock { lanes in lanes.filter { now - $0.value > handlerStuckAfter }.keys.sorted() }
        if !stuck.isEmpty {
            return "lane(s) \(stuck.map(String.init).joined(separator: ",")) stuck in one delivery for more than \(handlerStuckAfter)s"
        }
        return nil
    }

    /// Alive when `wedged` finds nothing.
    public func isAlive(tolerance: Int64 = 30) -> Bool { wedged(tolerance: tolerance) == nil }
}
