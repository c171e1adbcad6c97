import Foundation
import Synchronization

/// What `/readyz` and `/livez` report.
///
/// Ready: connected to the broker and the database, consumers running. Alive: the worker's
/// own loop ticked recently; a process that answers HTTP but whose tasks are stuck is wedged.
public final class WorkerState: Sendable {
    private let ready = Atomic<Bool>(false)
    private let lastTick = Atomic<Int64>(Int64(Date().timeIntervalSince1970))

    public init() {}

    public var isReady: Bool { ready.load(ordering: .relaxed) }
    func setReady(_ value: Bool) { ready.store(value, ordering: .relaxed) }

    func tick() { lastTick.store(Int64(Date().timeIntervalSince1970), ordering: .relaxed) }
    /// Alive when the last tick is at most `tolerance` seconds old.
    public func isAlive(tolerance: Int64 = 30) -> Bool {
        Int64(Date().timeIntervalSince1970) - lastTick.load(ordering: .relaxed) <= tolerance
    }
}
