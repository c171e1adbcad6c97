extension PostgresConnection {
    /// Inside `withTransaction`: runs the statements and then `COMMIT` in one round trip, and
    /// returns each statement's rows. This ends the transaction (the body must not use the
    /// connection for it afterwards) and `withTransaction` then sends no COMMIT of its own. A
    /// failing statement is thrown and the transaction rolled back as for any other error.
    ///
    /// For the statements whose results a transaction needs only at its end: the last writes
    /// of a delivery cost no round trip of their own.
    public func commit(after statements: [PostgresQuery], prepared: Bool = false) async throws -> [PostgresRows] {
        let batch = statements.map { Session.Statement(sql: $0.sql, parameters: $0.parameters.map(\.postgresText), prepared: prepared) }
        return try await thread.run { try $0.commit(after: batch) }
    }

    /// Runs `body` inside `BEGIN` ... `COMMIT` and returns its result.
    ///
    /// If `body` throws, the transaction is rolled back and the body's error is rethrown (a failing
    /// `ROLLBACK`, e.g. on a lost connection, does not hide it: the server discards the transaction
    /// anyway). If `COMMIT` fails, its error is thrown; if `COMMIT` turns into a rollback because a
    /// statement failed and the body caught that error, `.transactionRolledBack` is thrown, so a
    /// returned value always means the changes are committed.
    ///
    /// Nonisolated code in `body` runs on the connection's thread (a task executor preference), so
    /// BEGIN, the body's statements and COMMIT need no thread hop each; actor-isolated code still
    /// runs on its actor.
    ///
    /// `prelude` holds statements without parameters that run right after `BEGIN` (a
    /// `SET LOCAL lock_timeout`, say); they travel with it and the body's first statement, so
    /// they cost no round trip. Their failure is the first statement's error.
    @discardableResult
    public func withTransaction<Result>(
        isolation: isolated (any Actor)? = #isolation,
        prelude: [String] = [],
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, *), !thread.isCurrent {
            return try await withTaskExecutorPreference(thread) {
                try await transaction(prelude: prelude, body)
            }
        }
        return try await transaction(prelude: prelude, body)
    }

    private func transaction<Result>(
        isolation: isolated (any Actor)? = #isolation,
        prelude: [String],
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        // BEGIN goes out with the body's first statement: one round trip fewer per transaction.
        try await thread.run { try $0.beginLazily(prelude: prelude) }
        let result: Result
        do {
            result = try await body(self)
        } catch {
            _ = try? await thread.run { try $0.rollback() }
            throw error
        }
        guard try await thread.run({ try $0.commit() }) else {
            throw PostgresError(
                code: .transactionRolledBack,
                message: "COMMIT rolled the transaction back because a statement in it had failed"
            )
        }
        return result
    }
}
