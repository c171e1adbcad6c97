import Foundation
import Synchronization

/// Runs child processes, restarts those that exit with a growing delay, and stops them all
/// gracefully: what `warren up` does with a system's workers, like compose without Docker.
final class Supervisor: Sendable {
    struct Child: Sendable {
        var name: String
        var executable: URL
        var arguments: [String]
        var environment: [String: String]
    }

    /// How a child ended.
    struct Termination: Sendable, CustomStringConvertible {
        var status: Int32
        var bySignal: Bool
        var succeeded: Bool { !bySignal && status == 0 }
        var description: String { bySignal ? "signal \(status)" : "status \(status)" }
    }

    struct Options: Sendable {
        /// First restart delay; doubled after each quick exit, up to `maximumDelay`.
        var initialDelay: Duration = .seconds(1)
        var maximumDelay: Duration = .seconds(30)
        /// A child that ran this long before exiting restarts after `initialDelay` again.
        var healthyRun: Duration = .seconds(30)
        /// How long children get to stop after SIGTERM before they are killed.
        var shutdownGrace: Duration = .seconds(25)
    }

    let options: Options
    let output: LabelledOutput
    private let state = Mutex(State())

    private struct State {
        var stopping = false
        var running: [String: Int32] = [:]
    }

    init(options: Options = Options(), output: LabelledOutput) {
        self.options = options
        self.output = output
    }

    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Keeps every child running until `stop()`; returns when all have exited.
    func run(_ children: [Child]) async {
        await withDiscardingTaskGroup { group in
            for child in children {
                group.addTask { await self.keepRunning(child) }
            }
        }
    }

    /// SIGTERM to every child (they drain and exit); SIGKILL to those still running after the
    /// grace period. A second call kills at once.
    func stop() {
        let (first, pids) = state.withLock { state -> (Bool, [Int32]) in
            let first = !state.stopping
            state.stopping = true
            return (first, Array(state.running.values))
        }
        guard first else {
            output.note("up", "stopping now: SIGKILL to \(pids.count) process(es)")
            for pid in pids { kill(pid, SIGKILL) }
            return
        }
        output.note("up", "stopping: SIGTERM to \(pids.count) process(es); again to kill them")
        for pid in pids { kill(pid, SIGTERM) }
        let grace = options.shutdownGrace
        Task.detached { [self] in
            try? await Task.sleep(for: grace)
            let left = state.withLock { Array($0.running) }
            for (name, pid) in left {
                output.note("up", "\(name) still running after \(grace): SIGKILL")
                kill(pid, SIGKILL)
            }
        }
    }

    private func keepRunning(_ child: Child) async {
        var delay = options.initialDelay
        while !isStopping {
            let started = ContinuousClock.now
            guard let status = await runOnce(child) else { return }
            if isStopping { return }
            if ContinuousClock.now - started >= options.healthyRun { delay = options.initialDelay }
            output.note(child.name, "exited (\(status)); restarting in \(delay)")
            let wake = ContinuousClock.now + delay
            while !isStopping, ContinuousClock.now < wake { try? await Task.sleep(for: .milliseconds(100)) }
            delay = min(delay * 2, options.maximumDelay)
        }
    }

    /// Runs the child to its end, its output labelled; nil when it could not start at all.
    func runOnce(_ child: Child) async -> Termination? {
        let process = Process()
        process.executableURL = child.executable
        process.arguments = child.arguments
        process.environment = child.environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let lines = output.lines(for: child.name)
        let drained = Mutex(false)
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                drained.withLock { $0 = true }
            } else {
                lines.append(data)
            }
        }
        let status: Termination? = await withCheckedContinuation { continuation in
            process.terminationHandler = { process in
                continuation.resume(returning: Termination(status: process.terminationStatus,
                                                           bySignal: process.terminationReason == .uncaughtSignal))
            }
            do {
                try process.run()
                let pid = process.processIdentifier
                let stopping = state.withLock { state in
                    state.running[child.name] = pid
                    return state.stopping
                }
                if stopping { kill(pid, SIGTERM) }
            } catch {
                output.note(child.name, "cannot start \(child.executable.path): \(error)")
                continuation.resume(returning: nil)
            }
        }
        _ = state.withLock { $0.running.removeValue(forKey: child.name) }
        try? pipe.fileHandleForWriting.close()
        // The rest of its output, unless a daemon it started holds the pipe open.
        for _ in 0..<50 where !drained.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(20)) }
        pipe.fileHandleForReading.readabilityHandler = nil
        lines.finish()
        return status
    }
}
