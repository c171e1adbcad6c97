import Foundation
import Logging
import ServiceLifecycle
import Warren

/// Puts the worker of an embedded-store context together, as `WorkerApplication` does for a
/// PostgreSQL one: the same broker side, health server and graceful stop, with the state in the
/// SQLite file `WARREN_SQLITE_PATH` names (default `<context>.sqlite` in the working directory).
/// `DATABASE_URL` is not needed.
public enum EmbeddedApplication {
    /// The variable naming the SQLite file; its folder is created if missing.
    public static let pathVariable = "WARREN_SQLITE_PATH"

    /// The file `environment` names for `context`.
    public static func path(for context: EmbeddedContext, environment: [String: String]) -> String {
        if let path = environment[pathVariable]?.trimmingCharacters(in: .whitespaces), !path.isEmpty { return path }
        return FileManager.default.currentDirectoryPath + "/\(context.name).sqlite"
    }

    /// The worker of `context` and, unless `HEALTH_PORT=0`, its health server, in one
    /// `ServiceGroup` that shuts down gracefully on SIGTERM or SIGINT. Reads the worker's
    /// variables (`WorkerConfiguration`) and `WARREN_SQLITE_PATH`.
    public static func build(context: EmbeddedContext, environment: [String: String] = ProcessInfo.processInfo.environment,
                             state: WorkerState? = nil, logOutput: LogOutput = .standardError) throws -> ServiceGroup {
        let path = path(for: context, environment: environment)
        return try WorkerApplication.build(context: context.declaration, environment: environment, state: state, logOutput: logOutput,
                                           store: { configuration, _ in SQLiteStore(context: context, path: path, configuration: configuration) })
    }

    /// A worker of `context` on the file at `path`, to run in a `ServiceGroup` of one's own (tests).
    public static func worker(context: EmbeddedContext, path: String, configuration: WorkerConfiguration,
                              state: WorkerState = WorkerState(), logger: Logger) -> Worker {
        Worker(context: context.declaration, configuration: configuration, state: state, logger: logger,
               store: SQLiteStore(context: context, path: path, configuration: configuration))
    }
}
