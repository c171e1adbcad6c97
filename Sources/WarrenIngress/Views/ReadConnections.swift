import Logging
import Postgres
import ServiceLifecycle

/// A few read-only connections to PostgreSQL, shared by every request that reads a view or an
/// outcome: opened on demand up to `limit`, reused, and dropped when they break (the next
/// request opens a fresh one, so a database restart heals by itself).
///
/// Each session is made read-only (`default_transaction_read_only`), in UTC (timestamps render
/// as `...Z`-comparable RFC 3339) and with a statement timeout, whatever role it logs in as.
/// As a `Service` it closes its connections on graceful shutdown.
actor ReadConnections: Service {
    private let configuration: PostgresConfiguration
    private let limit: Int
    private let logger: Logger
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(configuration: PostgresConfiguration, limit: Int, logger: Logger) {
        var configuration = configuration
        if configuration.parameters["connect_timeout"] == nil { configuration.parameters["connect_timeout"] = "3" }
        if configuration.parameters["application_name"] == nil { configuration.parameters["application_name"] = "warren-ingress" }
        self.configuration = configuration
        self.limit = limit
        self.logger = logger
    }

    /// Runs `body` with a connection of the pool, waiting for one when all are busy.
    nonisolated func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await lease()
        do {
            let result = try await body(connection)
            await release(connection, broken: false)
            return result
        } catch {
            let broken = (error as? PostgresError).map { [.connectionLost, .connectionClosed, .connectionFailed].contains($0.code) } ?? false
            if broken { await connection.close() }
            await release(connection, broken: broken)
            throw error
        }
    }

    nonisolated func run() async throws {
        try? await gracefulShutdown()
        await closeAll()
    }

    private func lease() async throws -> PostgresConnection {
        while true {
            if let connection = idle.popLast() { return connection }
            if open < limit {
                open += 1
                do {
                    return try await connect()
                } catch {
                    open -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func connect() async throws -> PostgresConnection {
        let connection = try await PostgresConnection.connect(configuration, logger: logger)
        do {
            try await connection.execute(
                "SET default_transaction_read_only = on; SET TimeZone = 'UTC'; SET statement_timeout = 10000", [])
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    private func release(_ connection: PostgresConnection, broken: Bool) {
        if broken { open -= 1 } else { idle.append(connection) }
        wakeOne()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }

    private func closeAll() async {
        let connections = idle
        idle = []
        open -= connections.count
        for connection in connections { await connection.close() }
    }
}
