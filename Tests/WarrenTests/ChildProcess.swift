import Foundation

/// Runs a program to completion without Foundation's `Process`, whose `waitUntilExit` was seen
/// here to miss a child's exit inside a test process with servers' connections and threads
/// around. `waitpid` runs on a thread of its own, so no cooperative thread blocks meanwhile.
enum ChildProcess {
    static func run(_ path: String, _ arguments: [String]) async throws -> Int32 {
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, nil, nil, argv, environ)
        guard spawned == 0 else { throw TestFailure("cannot start \(path): \(String(cString: strerror(spawned)))") }
        let child = pid
        return await withCheckedContinuation { continuation in
            Thread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                // WEXITSTATUS, which Swift does not import.
                continuation.resume(returning: (status >> 8) & 0xFF)
            }.start()
        }
    }
}
