import Logging

/// One connection to PostgreSQL through libpq, reached through async functions.
///
/// Every libpq call runs on the connection's own thread (see `ConnectionThread`), so a statement
/// never blocks Swift's cooperative pool. Statements from concurrent tasks run one after the other
/// in the order they arrive; but a transaction spans several calls, so while one task is inside
/// `withTransaction`, no other task should use the same connection (give each its own).
///
/// A broken connection (server restart, `pg_terminate_backend`, network failure) is detected when
/// a statement fails: that call and every later one throw `.connectionLost` at once. Recovering is
/// the caller's choice: `reset()` reconnects this connection in place; a new `connect` works too.
///
/// `Sendable` holds without `@unchecked`: all stored properties are immutable and `Sendable`
/// (the libpq handle is inside `ConnectionThread`, whose own comment gives its reasons).
public final class PostgresConnection: Sendable {
    public let configuration: PostgresConfiguration
    let thread: ConnectionThread
    private let logger: Logger

    private init(configuration: PostgresConfiguration, thread: ConnectionThread, logger: Logger) {
        self.configuration = configuration
        self.thread = thread
        self.logger = logger
    }

    /// Opens a connection; throws `PostgresError` with code `.connectionFailed` (never quoting the
    /// password) if the server is unreachable or refuses the login.
    public static func connect(_ configuration: PostgresConfiguration, logger: Logger) async throws -> PostgresConnection {
        var logger = logger
        logger[metadataKey: "postgres.host"] = "\(configuration.host):\(configuration.port)"
        logger[metadataKey: "postgres.database"] = "\(configuration.database ?? configuration.user)"
        let session = Session(configuration: configuration, logger: logger)
        let thread = ConnectionThread(session: session, name: "pg:\(configuration.port)")
        do {
            try await thread.run { try $0.connect() }
        } catch {
            thread.shutdown()
            logger.debug("postgres connection failed", metadata: ["error": "\(error)"])
            throw error
        }
        logger.debug("postgres connected")
        return PostgresConnection(configuration: configuration, thread: thread, logger: logger)
    }

    // MARK: Statements

    /// Runs one statement and returns its rows. Interpolated values become `$n` parameters.
    ///
    /// `prepared: true` prepares the statement once per connection and reuses it afterwards: worth it
    /// for the few statements a worker repeats on its hot path, not for one-off SQL (the cache keeps
    /// every distinct SQL text for the connection's lifetime).
    public func query(_ query: PostgresQuery, prepared: Bool = false) async throws -> PostgresRows {
        try await run(query.sql, query.parameters, prepared: prepared)
    }

    /// Runs SQL written with `$1, $2, ...` placeholders, binding `parameters` in order (`nil` is NULL).
    /// Without parameters (and not prepared) the text goes through the simple-query protocol, like
    /// `psql`: one message, several `;`-separated statements allowed, the last one's rows returned.
    public func query(
        _ sql: String, _ parameters: [any PostgresEncodable], prepared: Bool = false
    ) async throws -> PostgresRows {
        try await run(sql, parameters, prepared: prepared)
    }

    /// Runs a statement for its effect and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery, prepared: Bool = false) async throws -> Int {
        try await run(query.sql, query.parameters, prepared: prepared).affectedRows
    }

    /// Runs SQL with `$n` placeholders for its effect and returns the number of rows it affected.
    @discardableResult
    public func execute(
        _ sql: String, _ parameters: [any PostgresEncodable], prepared: Bool = false
    ) async throws -> Int {
        try await run(sql, parameters, prepared: prepared).affectedRows
    }

    private func run(_ sql: String, _ parameters: [any PostgresEncodable], prepared: Bool) async throws -> PostgresRows {
        let texts = parameters.map(\.postgresText)
        return try await thread.run { try $0.execute(sql, parameters: texts, prepared: prepared) }
    }

    /// The connection's thread as a task executor. Code run under
    /// `withTaskExecutorPreference(connection.taskExecutor) { ... }` executes on that thread, so its
    /// statements on this connection skip the hop to the thread and back (as `withTransaction` does).
    /// Only for short, non-blocking code: while it runs, the connection serves nobody else.
    @available(macOS 15, iOS 18, tvOS 18, watchOS 11, *)
    public var taskExecutor: any TaskExecutor { thread }

    // MARK: Lifecycle

    /// Reconnects with the same configuration (libpq's `PQreset`), e.g. after `.connectionLost`.
    /// Any open transaction, session setting and prepared statement of the old backend is gone.
    public func reset() async throws {
        try await thread.run { try $0.reset() }
        logger.info("postgres connection reset")
    }

    /// Closes the connection after the statements already submitted, and ends its thread.
    /// Later calls throw `.connectionClosed`. Dropping the last reference closes it too.
    public func close() async {
        _ = try? await thread.run { $0.finish() }
        thread.shutdown()
        logger.debug("postgres connection closed")
    }

    deinit {
        thread.shutdown()
    }
}
