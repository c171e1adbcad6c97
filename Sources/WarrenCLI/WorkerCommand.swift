import ArgumentParser
import Foundation
import ServiceLifecycle
import Warren

/// `warren worker CONTEXT`: runs one bounded context until SIGTERM or SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one bounded context: consume its queues, handle, publish, serve /livez, /readyz and /metrics.",
        discussion: """
        Configured by the environment only (see docs/operations.md, "Worker configuration"). A missing or \
        malformed variable stops the worker at start with a message naming it (exit 2). SIGTERM \
        or SIGINT stops intake, lets in-flight deliveries finish within SHUTDOWN_GRACE_SECONDS, \
        then exits 0.
        """
    )

    @Argument(help: "The bounded context to run.")
    var context: String

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let found: (@Sendable () throws -> ServiceGroup)?
        do {
            found = try ContextCatalog.worker(named: context, environment: environment)
        } catch {
            standardError("error: \(error)")
            throw ExitCode(2)
        }
        guard let buildWorker = found else {
            standardError("unknown context `\(self.context)`; known: \(ContextCatalog.knownNames)")
            throw ExitCode.failure
        }
        do {
            try LoggingConfiguration.fromEnvironment(environment).bootstrap()
            let group = try buildWorker()
            try await group.run()
        } catch let problem as WorkerConfiguration.Problem {
            standardError("error: \(problem)")
            throw ExitCode(2)
        } catch {
            standardError("error: \(error)")
            throw ExitCode.failure
        }
    }
}

func standardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
