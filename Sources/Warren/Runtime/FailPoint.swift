import Foundation

/// Crash on purpose at a named point of the delivery protocol, to prove that a crash there loses
/// nothing: `WARREN_FAILPOINT=after-commit:N` kills the process with SIGKILL right after the
/// N-th committed transaction (one delivery, or a lane's group of them), before its messages are
/// published and before the acks. Off unless set.
enum FailPoint {
    private static let afterCommit: Int? = {
        guard let spec = ProcessInfo.processInfo.environment["WARREN_FAILPOINT"], spec.hasPrefix("after-commit:") else { return nil }
        return Int(spec.dropFirst("after-commit:".count))
    }()
    private static let commits = CommitCounter()

    static func committed() {
        guard let limit = afterCommit, commits.next() >= limit else { return }
        kill(getpid(), SIGKILL)
    }
}

private final class CommitCounter: @unchecked Sendable {
    // Only used when a fail point is set, from the lanes of one test process.
    private let lock = NSLock()
    private var count = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}
