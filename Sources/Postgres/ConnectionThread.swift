import Foundation

/// The one thread that runs every libpq call of one connection, and its job queue.
///
/// libpq blocks in `poll`/`recv` and a `PGconn` must not be used by two threads at once, so each
/// connection gets a thread of its own: async callers enqueue a job, the thread runs jobs in
/// order (which also serializes concurrent queries on one connection), and a continuation
/// carries the result back. Swift's cooperative pool never blocks on the network.
///
/// `@unchecked Sendable` is sound because:
/// - `jobs` and `accepting` are only read or written while holding `condition`'s lock;
/// - `session` (the `PGconn` and its statement cache) is only touched by the thread, which passes
///   it to each job: the queue is the only way to reach it, so it is confined to one thread;
/// - everything else is immutable after `init`.
final class ConnectionThread: @unchecked Sendable {
    typealias Job = @Sendable (Session) -> Void

    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var accepting = true
    private let session: Session

    init(session: Session, name: String) {
        self.session = session
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the connection's thread and returns its result. Throws `.connectionClosed`
    /// once `shutdown()` was called.
    func run<Result: Sendable>(_ body: @escaping @Sendable (Session) throws -> Result) async throws -> Result {
        try await withUnsafeThrowingContinuation { continuation in
            let accepted = enqueue { session in
                continuation.resume(with: Swift.Result { try body(session) })
            }
            if !accepted { continuation.resume(throwing: PostgresError.closed) }
        }
    }

    /// Stops intake; the thread runs the jobs already queued, closes the libpq connection and exits.
    func shutdown() {
        condition.lock()
        accepting = false
        condition.signal()
        condition.unlock()
    }

    private func enqueue(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard accepting else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    private func runLoop() {
        var batch: [Job] = []
        while true {
            condition.lock()
            while jobs.isEmpty && accepting { condition.wait() }
            if jobs.isEmpty {  // not accepting and drained
                condition.unlock()
                break
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job(session) }
            batch.removeAll(keepingCapacity: true)
        }
        session.finish()
    }
}
