import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// A context's state in its PostgreSQL schema: one connection per lane and one for the outbox
/// relay, kept across broker sessions; the schema migrated at start; ids claimed on a
/// connection of their own (`IdClaims`).
final class PostgresStore: ContextStore {
    private let context: BoundedContext
    private let configuration: WorkerConfiguration
    private let opened = Mutex<(databases: [PostgresConnection], idClaims: IdClaims)?>(nil)

    init(context: BoundedContext, configuration: WorkerConfiguration) {
        self.context = context
        self.configuration = configuration
    }

    private static var shuttingDown: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    func open(state: WorkerState, logger: Logger) async throws -> Bool {
        var postgres = try PostgresConfiguration(url: configuration.databaseURL)
        let schema = ContextSchema(context: context.name)
        // Handlers name their tables plainly; libpq sends this again on every reconnect.
        postgres.parameters["options"] = "-c search_path=\(schema.name),public"
        guard let databases = await connectDatabases(postgres, count: configuration.concurrency + 1, state: state, logger: logger)
        else { return false }
        guard let applied = try await migrate(schema, on: databases[0], state: state, logger: logger) else {
            for database in databases { await database.close() }
            return false
        }
        if !applied.isEmpty { logger.info("schema migrated", metadata: ["applied": "\(applied.joined(separator: ", "))"]) }
        let idClaims = IdClaims(schema: schema, configuration: postgres, logger: logger)
        opened.withLock { $0 = (databases, idClaims) }
        return true
    }

    func session(_ broker: SessionBroker) -> StoreSession {
        guard let (databases, idClaims) = opened.withLock({ $0 }) else {
            preconditionFailure("PostgresStore.session before open")
        }
        var pipeline = broker.pipeline
        pipeline.idClaims = idClaims
        let schema = ContextSchema(context: context.name)
        let relay = OutboxRelay(outbox: Outbox(schema: schema), sentRows: broker.sentRows, publisher: broker.publisher,
                                metrics: broker.metrics, logger: broker.logger, interval: configuration.relayInterval,
                                inboxPruning: InboxPruning(schema: schema, retention: configuration.inboxRetention))
        let lanes = (0..<configuration.concurrency).map {
            Lane(index: $0, database: databases[$0], state: broker.state, callsAhead: configuration.callsAhead,
                 commitTogether: configuration.commitTogether)
        }
        let relayDatabase = databases[configuration.concurrency]
        return StoreSession(pipeline: pipeline, lanes: lanes, relay: { stop in await relay.run(database: relayDatabase, stop: stop) })
    }

    func close() async {
        guard let (databases, idClaims) = opened.withLock({ opened in defer { opened = nil }; return opened }) else { return }
        for database in databases { await database.close() }
        await idClaims.close()
    }

    /// Migrates the schema; a database lost meanwhile (a restart) is waited for and the
    /// migration tried again, as every other use of the database does. Nil on shutdown.
    private func migrate(_ schema: ContextSchema, on database: PostgresConnection, state: WorkerState,
                         logger: Logger) async throws -> [String]? {
        var backoff = Backoff(maximum: .seconds(10))
        while !Self.shuttingDown {
            do {
                return try await schema.migrate(database, context: context.migrations, system: context.system)
            } catch let error as PostgresError where DeliveryPipeline.isInfrastructure(error) {
                state.setReady(false, reason: "database unavailable (\(error)); retrying")
                let delay = backoff.next()
                logger.warning("schema migration interrupted: the database is unavailable; retrying",
                               metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
                try? await database.reset()
            }
        }
        return nil
    }

    private func connectDatabases(_ configuration: PostgresConfiguration, count: Int, state: WorkerState,
                                  logger: Logger) async -> [PostgresConnection]? {
        var backoff = Backoff(maximum: .seconds(10))
        while !Self.shuttingDown {
            do {
                var connections: [PostgresConnection] = []
                for _ in 0..<count { connections.append(try await PostgresConnection.connect(configuration, logger: logger)) }
                return connections
            } catch {
                if await DatabaseCreation.createIfMissing(configuration, after: error, logger: logger) { continue }
                state.setReady(false, reason: "database unavailable (\(error)); retrying")
                let delay = backoff.next()
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
        return nil
    }
}
