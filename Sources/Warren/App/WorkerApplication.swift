import Foundation
import Logging
import ServiceLifecycle

/// Puts a worker process together, the way Hummingbird's template `buildApplication` does:
/// `warren worker` and the tests both call `build`, so what runs is what was tested.
public enum WorkerApplication {
    /// The worker of `context` and, unless `HEALTH_PORT=0`, its health server, in one
    /// `ServiceGroup` that shuts down gracefully on SIGTERM or SIGINT.
    ///
    /// Reads the environment only (`WorkerConfiguration.fromEnvironment`, `LOG_FORMAT`,
    /// `LOG_LEVEL`); a missing or malformed value throws `WorkerConfiguration.Problem` naming
    /// the variable. When either service ends, for good or with an error, the group shuts down.
    public static func build(context: BoundedContext,
                             environment: [String: String] = ProcessInfo.processInfo.environment,
                             state: WorkerState? = nil,
                             logOutput: LogOutput = .standardError) throws -> ServiceGroup {
        try build(context: context, environment: environment, state: state, logOutput: logOutput, store: nil)
    }

    /// The same for a context whose state is in `store` (an embedded store's runtime), built
    /// from the worker's configuration; nil is PostgreSQL's, which needs `DATABASE_URL`.
    package static func build(context: BoundedContext, environment: [String: String], state: WorkerState?, logOutput: LogOutput,
                              store: (@Sendable (WorkerConfiguration, [String: String]) throws -> any ContextStore)?) throws -> ServiceGroup {
        let logging = try LoggingConfiguration.fromEnvironment(environment)
        let configuration = try WorkerConfiguration.fromEnvironment(environment, needsDatabaseURL: store == nil)
        let state = state ?? WorkerState(handlerStuckAfter: configuration.handlerStuckAfterSeconds)
        let logger = logging.logger(label: "warren.worker", output: logOutput)
        let worker = Worker(context: context, configuration: configuration, state: state, logger: logger,
                            store: try store?(configuration, environment) ?? PostgresStore(context: context, configuration: configuration))

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if configuration.healthPort != 0 {
            var healthLogger = logging.logger(label: "warren.health", output: logOutput)
            healthLogger[metadataKey: "context"] = "\(context.name)"
            let health = HealthServer(state: state, registry: PrometheusExport.registry, port: configuration.healthPort,
                                      logger: healthLogger)
            services.append(.init(service: health, successTerminationBehavior: .gracefullyShutdownGroup,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
        } else {
            _ = PrometheusExport.registry  // the worker's metrics still need a backend
        }
        // Last in the list, first to be told on SIGTERM: the worker drains while /readyz says 503.
        services.append(.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup,
                              failureTerminationBehavior: .gracefullyShutdownGroup))
        return ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }
}
