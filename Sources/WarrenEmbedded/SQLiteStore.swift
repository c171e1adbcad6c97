import Foundation
import GRDB
import Logging
import Synchronization
import Warren

/// A context's state in one SQLite file, in WAL mode, through GRDB: the runtime's inbox and
/// outbox beside the context's own tables, so a delivery's effects, its inbox record (with a
/// request's reply) and the messages it causes commit in one SQLite transaction.
///
/// SQLite is local to one process: the topology gives every queue of such a context a single
/// active consumer, and the worker runs one lane. GRDB runs every statement on its own writer
/// and reader threads, never on Swift's cooperative pool.
final class SQLiteStore: ContextStore {
    let context: EmbeddedContext
    let path: String
    private let configuration: WorkerConfiguration
    private let database = Mutex<DatabasePool?>(nil)

    init(context: EmbeddedContext, path: String, configuration: WorkerConfiguration) {
        self.context = context
        self.path = path
        self.configuration = configuration
    }

    func open(state: WorkerState, logger: Logger) async throws -> Bool {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var options = GRDB.Configuration()
        options.label = "\(context.name) store"
        // WAL is DatabasePool's own mode; FULL makes a commit durable at once, as PostgreSQL's is.
        options.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        options.busyMode = .timeout(10)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: options)
        } catch {
            throw EmbeddedStoreError(.cannotOpen, path: path, error)
        }
        let applied = try await Self.migrate(pool, context: context.migrations)
        if !applied.isEmpty { logger.info("store migrated", metadata: ["applied": "\(applied.joined(separator: ", "))", "path": "\(path)"]) }
        database.withLock { $0 = pool }
        logger.info("store opened", metadata: ["path": "\(path)", "journal_mode": "wal"])
        return true
    }

    func session(_ broker: SessionBroker) -> StoreSession {
        guard let pool = database.withLock({ $0 }) else { preconditionFailure("SQLiteStore.session before open") }
        let transaction = SQLiteTransaction(context: context, pool: pool, routes: broker.pipeline.contextRoutes)
        let relay = SQLiteOutboxRelay(pool: pool, sentRows: broker.sentRows, publisher: broker.publisher, metrics: broker.metrics,
                                      logger: broker.logger, interval: configuration.relayInterval,
                                      inboxRetention: configuration.inboxRetention)
        let lane = SQLiteLane(transaction: transaction, state: broker.state)
        return StoreSession(pipeline: broker.pipeline, lanes: [lane], relay: { stop in await relay.run(stop: stop) })
    }

    func close() async {
        guard let pool = database.withLock({ pool in defer { pool = nil }; return pool }) else { return }
        try? pool.close()
    }

    /// The runtime's tables, then the context's, each version once (GRDB's migrator records them).
    static func migrate(_ pool: DatabasePool, context migrations: [Migration]) async throws -> [String] {
        var migrator = DatabaseMigrator()
        for migration in runtimeMigrations + migrations.sorted(by: { $0.version < $1.version }).map({ ("context", $0) }) {
            migrator.registerMigration("\(migration.0) \(migration.1.version) \(migration.1.name)") { db in
                try db.execute(sql: migration.1.sql)
            }
        }
        let registered = migrator
        let done = try await pool.read { db in try registered.appliedIdentifiers(db) }
        // On GRDB's writer thread, like every other statement.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            registered.asyncMigrate(pool) { result in
                switch result {
                case .success: continuation.resume()
                case .failure(let error): continuation.resume(throwing: error)
                }
            }
        }
        return registered.migrations.filter { !done.contains($0) }
    }

    /// The same inbox and outbox as on PostgreSQL (`ContextSchema`), in SQLite's types.
    static let runtimeMigrations: [(String, Migration)] = [
        ("warren", Migration(1, "inbox", """
            CREATE TABLE warren_inbox (
                message_id TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                queue TEXT NOT NULL,
                received_at REAL NOT NULL,
                reply_type TEXT,
                reply TEXT,
                correlation_id TEXT,
                causation_id TEXT,
                sender TEXT
            );
            CREATE INDEX warren_inbox_received_at ON warren_inbox (received_at)
            """)),
        ("warren", Migration(2, "outbox", """
            CREATE TABLE warren_outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                exchange TEXT NOT NULL,
                routing_key TEXT NOT NULL,
                envelope TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at REAL NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL
            )
            """)),
    ]
}

/// Why the embedded store could not be used, with the path and SQLite's own words.
public struct EmbeddedStoreError: Error, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        let name: String
        public static let cannotOpen = Code(name: "cannot open")
    }

    public let code: Code
    public let path: String
    public let underlying: String

    init(_ code: Code, path: String, _ error: any Error) {
        self.code = code
        self.path = path
        self.underlying = "\(error)"
    }

    public var description: String { "\(code.name) the SQLite store at \(path) (WARREN_SQLITE_PATH): \(underlying)" }
}
