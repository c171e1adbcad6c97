import Foundation

/// The one thread that runs every libpq call of one connection, and its job queue.
///
/// libpq blocks in `poll`/`recv` and a `PGconn` must not be used by two threads at once, so each
/// connection gets a thread of its own: async callers enqueue a job, the thread runs jobs in
/// order (which also serializes concurrent queries on one connection), and a continuation
/// carries the result back. Swift's cooperative pool never blocks on the network.
///
/// The thread is also a `TaskExecutor`: a task that prefers it (as `withTransaction` arranges)
/// runs its code on this thread between statements, and its libpq calls then run inline, with
/// no thread hop at all. That is what brings a BEGIN/INSERT/COMMIT loop to libpq's own speed.
///
/// `@unchecked Sendable` is sound because:
/// - `queue`, `accepting`, `exited` and `threadID` are only read or written while holding
///   `condition`'s lock;
/// - `session` (the `PGconn` and its statement cache) is only touched on the thread: by queued
///   jobs, or inline by `run` after checking that the caller is on the thread;
final class ConnectionThread: @unchecked Sendable {
    typealias Job = @Sendable (Session) -> Void

    private enum Work {
        case call(Job)
        case task(UnownedJob)
    }

    private let condition = NSCondition()
    private var queue: [Work] = []
    private var accepting = true
    private var exited = false
    private var threadID: pthread_t?
    private let session: Session

    init(session: Session, name: String) {
        self.session = session
        let thread = Thread { [self] in
            // Named from inside: a name set before `start()` does not reach the kernel on Linux,
            // which also refuses one over 15 bytes (the thread then keeps its creator's name).
            Thread.current.name = name
            condition.lock()
            threadID = pthread_self()
            condition.unlock()
            runLoop()
        }
        thread.start()  // not waited for: `init` runs on the cooperative pool and must not block
    }

    /// Whether the caller is this connection's thread (then the session may be used inline).
    /// Before the thread has recorded its id, no caller can be on it, so `false` is right.
    var isCurrent: Bool {
        condition.lock()
        let threadID = self.threadID
        condition.unlock()
        guard let threadID else { return false }
        return pthread_equal(pthread_self(), threadID) != 0
    }

    /// Runs `body` on the connection's thread and returns its result: inline when already there,
    /// otherwise through the queue. Throws `.connectionClosed` once `shutdown()` was called.
    func run<Result: Sendable>(_ body: @escaping @Sendable (Session) throws -> Result) async throws -> Result {
        if isCurrent { return try body(session) }
        return try await withUnsafeThrowingContinuation { continuation in
            let accepted = enqueue(.call { session in
                continuation.resume(with: Swift.Result { try body(session) })
            })
            if !accepted { continuation.resume(throwing: PostgresError.closed) }
        }
    }

    /// Stops intake of statements; the thread runs the work already queued, closes the libpq
    /// connection and exits.
    func shutdown() {
        condition.lock()
        accepting = false
        condition.signal()
        condition.unlock()
    }

    private func enqueue(_ work: Work) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        switch work {
        case .call: guard accepting else { return false }
        case .task: guard !exited else { return false }  // tasks are never refused while the thread runs
        }
        queue.append(work)
        condition.signal()
        return true
    }

    private func runLoop() {
        var batch: [Work] = []
        while true {
            condition.lock()
            while queue.isEmpty && accepting { condition.wait() }
            if queue.isEmpty {  // shut down and drained
                exited = true
                condition.unlock()
                break
            }
            swap(&batch, &queue)
            condition.unlock()
            for work in batch {
                switch work {
                case .call(let job): job(session)
                case .task(let job): runTask(job)
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
        session.finish()
    }

    private func runTask(_ job: UnownedJob) {
        if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, *) {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

@available(macOS 15, iOS 18, tvOS 18, watchOS 11, *)
extension ConnectionThread: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if !enqueue(.task(job)) {
            // The thread has exited (connection closed): the task must still run somewhere.
            globalConcurrentExecutor.enqueue(job)
        }
    }
}
