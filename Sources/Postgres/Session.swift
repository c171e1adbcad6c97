import CLibPQ
import Foundation
import Logging

/// The libpq side of one connection: the `PGconn`, its prepared-statement cache and its health.
///
/// Not thread-safe by design: only its `ConnectionThread` calls it, one job at a time.
final class Session {
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private var connection: OpaquePointer?
    /// SQL text → server-side statement name, for statements prepared on this backend.
    private var preparedStatements: [String: String] = [:]
    /// Set when libpq reports `CONNECTION_BAD`: later calls fail fast instead of touching the socket.
    private(set) var isLost = false
    /// Set when a transaction was begun but `BEGIN` not sent yet: `BEGIN` and its prelude
    /// (`SET LOCAL`s), which travel with the transaction's first statement, in the same round
    /// trip (see `beginLazily`).
    private var pendingBegin: [Statement]?
    /// `commit(after:)` already ended the transaction: the next `commit()` sends nothing.
    private var endedEarly = false

    init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: Lifecycle

    func connect() throws {
        let pairs = configuration.conninfo
        let connection = withCStringArray(pairs.map(\.0)) { keywords in
            withCStringArray(pairs.map(\.1)) { values in
                PQconnectdbParams(keywords, values, 0)
            }
        }
        guard let connection else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = scrubbed(String(cString: PQerrorMessage(connection)))
            PQfinish(connection)
            throw PostgresError(code: .connectionFailed, message: message)
        }
        self.connection = connection
        try prepareSession()
    }

    /// `PQreset`: reconnects with the same parameters. Server-side prepared statements are gone, so
    /// the cache is cleared.
    func reset() throws {
        guard let connection else { throw PostgresError.closed }
        preparedStatements.removeAll()
        pendingBegin = nil
        endedEarly = false
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            isLost = true
            throw PostgresError(code: .connectionFailed, message: lastErrorMessage())
        }
        isLost = false
        try prepareSession()
    }

    func finish() {
        if let connection {
            PQfinish(connection)
            self.connection = nil
        }
    }

    /// Routes server notices to the logger instead of libpq's default (stderr), and makes sure
    /// timestamps come back in ISO format, which the decoders parse.
    private func prepareSession() throws {
        guard let connection else { return }
        PQsetNoticeProcessor(
            connection,
            { context, message in
                guard let context, let message else { return }
                let session = Unmanaged<Session>.fromOpaque(context).takeUnretainedValue()
                session.logger.debug(
                    "postgres notice",
                    metadata: ["postgres.notice": "\(String(cString: message).trimmingSuffix(while: \.isNewline))"]
                )
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
        let dateStyle = PQparameterStatus(connection, "DateStyle").map { String(cString: $0) } ?? ""
        if !dateStyle.hasPrefix("ISO") {
            _ = try execute("SET DateStyle TO ISO", parameters: [], prepared: false)
        }
    }

    // MARK: Transactions

    /// Starts a transaction without a round trip of its own: `BEGIN` is sent with the first
    /// statement that follows, in one round trip (as pgjdbc does). A single-row transaction then
    /// costs two round trips, not three. Fails at once, as `BEGIN` would, when the connection is
    /// closed or known to be lost.
    /// `prelude` (statements without parameters, such as `SET LOCAL`) runs right after `BEGIN`,
    /// in the same round trip.
    func beginLazily(prelude: [String] = []) throws {
        guard connection != nil else { throw PostgresError.closed }
        if isLost { throw lostError(message: "the connection was lost earlier; reset() or connect anew") }
        pendingBegin = [Self.begin] + prelude.map { Statement(sql: $0, parameters: [], prepared: false) }
        endedEarly = false
    }

    /// Ends the transaction with `COMMIT`; returns false when the server rolled it back instead
    /// (a statement in it had failed). A transaction that ran no statement has nothing to commit
    /// and costs no round trip.
    func commit() throws -> Bool {
        if endedEarly {
            endedEarly = false
            return true
        }
        if pendingBegin != nil {
            pendingBegin = nil
            return true
        }
        return try execute("COMMIT", parameters: [], prepared: false).commandTag == "COMMIT"
    }

    /// Ends the transaction with `ROLLBACK` (nothing to send when no statement ran in it).
    func rollback() throws {
        endedEarly = false
        if pendingBegin != nil {
            pendingBegin = nil
            return
        }
        _ = try execute("ROLLBACK", parameters: [], prepared: false)
    }

    // MARK: Statements

    /// Runs one statement with text-format parameters (`nil` is SQL NULL) and returns its rows.
    /// With `prepared`, the statement is parsed and planned once per connection (`PQprepare`) and
    /// later runs only bind and execute (`PQexecPrepared`).
    func execute(_ sql: String, parameters: [String?], prepared: Bool) throws -> PostgresRows {
        guard let connection else { throw PostgresError.closed }
        if isLost { throw lostError(message: "the connection was lost earlier; reset() or connect anew") }
        if let opening = pendingBegin {
            pendingBegin = nil
            return try execute(sql, parameters: parameters, prepared: prepared, after: opening, connection: connection)
        }

        let result: OpaquePointer? = try withParameterPointers(parameters) { values in
            let count = Int32(parameters.count)
            if prepared {
                let name = try statementName(for: sql, parameterCount: count, connection: connection)
                return PQexecPrepared(connection, name, count, values, nil, nil, 0)
            }
            if count == 0 {
                // Simple-query protocol: one message instead of parse/bind/describe/execute/sync.
                return PQexec(connection, sql)
            }
            return PQexecParams(connection, sql, count, nil, values, nil, nil, 0)
        }
        return try rows(from: result)
    }

    /// `BEGIN` (with its prelude) and the transaction's first statement in one round trip. A
    /// statement without parameters goes as one simple query `BEGIN;<sql>` (several statements
    /// stay allowed); any other goes through libpq's pipeline mode. Either way the server runs
    /// BEGIN first, so the statement is inside the transaction, and an error in BEGIN or the
    /// prelude is reported before the statement's.
    private func execute(
        _ sql: String, parameters: [String?], prepared: Bool, after opening: [Statement], connection: OpaquePointer
    ) throws -> PostgresRows {
        if parameters.isEmpty && !prepared {
            return try rows(from: PQexec(connection, (opening.map(\.sql) + [sql]).joined(separator: ";")))
        }
        let results = try pipeline(opening + [Statement(sql: sql, parameters: parameters, prepared: prepared)], connection: connection)
        // A failing BEGIN or prelude statement is reported before the statement's own outcome.
        for outcome in results.dropLast() { _ = try outcome.get() }
        return try results[results.count - 1].get()
    }

    /// Runs `statements` and then `COMMIT`, all in one round trip, and returns the statements'
    /// rows. The first failure is thrown and the transaction is then left for `rollback()`; on
    /// success the transaction is over and the `commit()` that follows sends nothing.
    func commit(after statements: [Statement]) throws -> [PostgresRows] {
        guard let connection else { throw PostgresError.closed }
        if isLost { throw lostError(message: "the connection was lost earlier; reset() or connect anew") }
        var batch = statements
        if let opening = pendingBegin {
            pendingBegin = nil
            batch.insert(contentsOf: opening, at: 0)
        }
        batch.append(Statement(sql: "COMMIT", parameters: [], prepared: false))
        let results = try pipeline(batch, connection: connection)
        let rows = try results.map { try $0.get() }
        guard rows.last?.commandTag == "COMMIT" else {
            throw PostgresError(code: .transactionRolledBack, message: "COMMIT rolled the transaction back")
        }
        endedEarly = true
        return Array(rows.dropFirst(batch.count - statements.count - 1).dropLast())
    }

    struct Statement {
        let sql: String
        let parameters: [String?]
        let prepared: Bool
    }

    private static let begin = Statement(sql: "BEGIN", parameters: [], prepared: false)

    /// Sends the statements and one Sync in one round trip (libpq's pipeline mode) and returns
    /// each statement's outcome, in order. After a failure the server skips the rest of the
    /// pipeline; the skipped statements report that failure. Throws only when the connection broke.
    private func pipeline(_ statements: [Statement], connection: OpaquePointer) throws -> [Result<PostgresRows, PostgresError>] {
        // Statements are prepared before entering pipeline mode, where PQprepare is not allowed.
        let names = try statements.map { statement in
            statement.prepared ? try statementName(for: statement.sql, parameterCount: Int32(statement.parameters.count), connection: connection) : nil
        }
        guard PQenterPipelineMode(connection) == 1 else {
            throw lostError(message: "libpq could not enter pipeline mode: \(lastErrorMessage())")
        }
        var sent = true
        for (statement, name) in zip(statements, names) where sent {
            sent = withParameterPointers(statement.parameters) { values in
                let count = Int32(statement.parameters.count)
                if let name { return PQsendQueryPrepared(connection, name, count, values, nil, nil, 0) }
                return PQsendQueryParams(connection, statement.sql, count, nil, values, nil, nil, 0)
            } == 1
        }
        sent = sent && PQpipelineSync(connection) == 1
        // The results in order, up to the Sync's. A NULL ends each statement's results; two NULLs
        // in a row mean nothing more is coming (a broken connection).
        var results: [OpaquePointer] = []
        var nulls = 0
        while sent {
            guard let result = PQgetResult(connection) else {
                nulls += 1
                if nulls > 2 || PQstatus(connection) == CONNECTION_BAD { break }
                continue
            }
            nulls = 0
            if PQresultStatus(result) == PGRES_PIPELINE_SYNC {
                PQclear(result)
                break
            }
            results.append(result)
        }
        let exited = PQexitPipelineMode(connection) == 1
        var outcomes: [Result<PostgresRows, PostgresError>] = []
        var failure: PostgresError?
        for index in statements.indices {
            guard index < results.count else {
                outcomes.append(.failure(failure ?? lostError(message: lastErrorMessage())))
                continue
            }
            if let failure, PQresultStatus(results[index]) == PGRES_PIPELINE_ABORTED {
                PQclear(results[index])
                outcomes.append(.failure(failure))
                continue
            }
            do {
                outcomes.append(.success(try rows(from: results[index])))
            } catch let error as PostgresError {
                failure = failure ?? error
                outcomes.append(.failure(error))
            }
        }
        results.dropFirst(statements.count).forEach { PQclear($0) }
        guard exited else {
            throw lostError(message: "libpq could not leave pipeline mode: \(lastErrorMessage())")
        }
        return outcomes
    }

    private func statementName(for sql: String, parameterCount: Int32, connection: OpaquePointer) throws -> String {
        if let name = preparedStatements[sql] { return name }
        let name = "warren_\(preparedStatements.count + 1)"
        _ = try rows(from: PQprepare(connection, name, sql, parameterCount, nil))
        preparedStatements[sql] = name
        return name
    }

    /// Takes ownership of `result`: wraps it in rows, or clears it and throws.
    private func rows(from result: OpaquePointer?) throws -> PostgresRows {
        guard let result else {
            // libpq returns no result only when out of memory or when the connection is broken.
            if PQstatus(connection) == CONNECTION_BAD {
                throw lostError(message: lastErrorMessage())
            }
            throw PostgresError(code: .server, message: lastErrorMessage())
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(ResultHandle(result))
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            PQclear(result)
            abandonCopy()
            throw PostgresError(code: .unsupported, message: "COPY is not supported by this client")
        default:
            var error = serverError(result)
            PQclear(result)
            if PQstatus(connection) == CONNECTION_BAD {
                isLost = true
                error.code = .connectionLost
                logger.warning(
                    "postgres connection lost",
                    metadata: ["postgres.sqlstate": "\(error.sqlState ?? "")", "postgres.message": "\(error.message)"]
                )
            }
            throw error
        }
    }

    private func serverError(_ result: OpaquePointer) -> PostgresError {
        // The PG_DIAG_* macros are character literals ('C', 'M', ...), which Swift does not import.
        func field(_ code: Unicode.Scalar) -> String? {
            PQresultErrorField(result, Int32(UInt8(ascii: code))).map { String(cString: $0) }
        }
        let message = field("M")
            ?? String(cString: PQresultErrorMessage(result)).trimmingSuffix(while: \.isWhitespace)
        return PostgresError(
            code: .server, message: scrubbed(message), sqlState: field("C"),
            detail: field("D"), hint: field("H"), constraint: field("n"), schema: field("s"),
            table: field("t"), column: field("c")
        )
    }

    /// Ends a COPY the caller did not ask this client for, so the connection stays usable.
    private func abandonCopy() {
        guard let connection else { return }
        _ = PQputCopyEnd(connection, "COPY is not supported by this client")
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(connection, &buffer, 0) > 0 { PQfreemem(buffer) }
        while let result = PQgetResult(connection) { PQclear(result) }
    }

    private func lostError(message: String) -> PostgresError {
        isLost = true
        return PostgresError(code: .connectionLost, message: message)
    }

    private func lastErrorMessage() -> String {
        guard let connection else { return "no connection" }
        return scrubbed(String(cString: PQerrorMessage(connection)).trimmingSuffix(while: \.isWhitespace))
    }

    /// libpq does not echo passwords, but a message that somehow did must not reach a log.
    private func scrubbed(_ message: String) -> String {
        guard let password = configuration.password, password.count >= 3, message.contains(password) else {
            return message
        }
        return message.replacingOccurrences(of: password, with: "****")
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var text = Substring(self)
        while let last = text.last, predicate(last) { text.removeLast() }
        return String(text)
    }
}

/// Calls `body` with a NULL-terminated array of C strings, valid only during the call.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Lays the parameters out in one buffer of NUL-terminated strings and calls `body` with an array of
/// pointers into it (`nil` for SQL NULL), as `PQexecParams` wants. Two allocations per statement.
private func withParameterPointers<R>(
    _ parameters: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> R
) rethrows -> R {
    if parameters.isEmpty { return try body(nil) }
    var storage: [UInt8] = []
    storage.reserveCapacity(parameters.reduce(0) { $0 + ($1?.utf8.count ?? 0) + 1 })
    for parameter in parameters {
        if let parameter {
            storage.append(contentsOf: parameter.utf8)
            storage.append(0)
        }
    }
    return try storage.withUnsafeBufferPointer { buffer in
        try buffer.withMemoryRebound(to: CChar.self) { characters in
            try withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: parameters.count) { pointers in
                var offset = 0
                for (index, parameter) in parameters.enumerated() {
                    if let parameter {
                        pointers[index] = UnsafePointer(characters.baseAddress! + offset)
                        offset += parameter.utf8.count + 1
                    } else {
                        pointers[index] = nil
                    }
                }
                return try body(UnsafePointer(pointers.baseAddress))
            }
        }
    }
}
