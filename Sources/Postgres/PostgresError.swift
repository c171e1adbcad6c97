/// An error from the Postgres client: what failed (`code`), and for server errors the fields
/// PostgreSQL sent, so callers can branch on `sqlState` (e.g. "23505") or `constraint`.
///
/// `description` never contains a password. It shows the code, SQLSTATE, primary message and
/// constraint; `detail` and `hint` (which may quote row values) appear only in `debugDescription`.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is. A struct with static members so new codes are not a breaking change.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The server could not be reached, refused the login, or rejected the connection options.
        public static let connectionFailed = Code("connectionFailed")
        /// The connection broke (server restart, backend terminated, network failure). Every later call
        /// fails fast with this code until `reset()` succeeds or the caller connects anew.
        public static let connectionLost = Code("connectionLost")
        /// `close()` was called; the connection no longer accepts work.
        public static let connectionClosed = Code("connectionClosed")
        /// The server rejected a statement; see `sqlState` and `message`.
        public static let server = Code("server")
        /// A column value could not be decoded into the requested Swift type.
        public static let decoding = Code("decoding")
        /// A connection URL could not be parsed.
        public static let invalidURL = Code("invalidURL")
        /// `COMMIT` ended in a rollback because a statement in the transaction had failed
        /// (the body caught that statement's error and carried on).
        public static let transactionRolledBack = Code("transactionRolledBack")
        /// The statement needs a protocol feature this client does not implement (e.g. `COPY`).
        public static let unsupported = Code("unsupported")
    }

    public var code: Code
    /// The primary message: the server's, or ours for client-side failures.
    public var message: String
    /// SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html), for server errors.
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var schema: String?
    public var table: String?
    public var column: String?

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, schema: String? = nil, table: String? = nil, column: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.schema = schema
        self.table = table
        self.column = column
    }

    public var description: String {
        var text = "PostgresError(\(code)"
        if let sqlState { text += ", sqlState: \(sqlState)" }
        text += ", message: \(message)"
        if let constraint { text += ", constraint: \(constraint)" }
        return text + ")"
    }

    public var debugDescription: String {
        var text = String(description.dropLast())
        if let detail { text += ", detail: \(detail)" }
        if let hint { text += ", hint: \(hint)" }
        if let table { text += ", table: \(table)" }
        if let column { text += ", column: \(column)" }
        return text + ")"
    }

    static let closed = PostgresError(code: .connectionClosed, message: "the connection was closed")
}
