import Foundation
import Testing

import Postgres

@Suite("Against the real server")
struct ConnectionTests {
    @Test func everySupportedTypeRoundTrips() async throws {
        try await TestDatabase.withTable("types") { connection, table in
            try await connection.execute(
                """
                CREATE TABLE \(unescaped: table) (
                    id int PRIMARY KEY, text text, big bigint, small int, real8 float8, flag bool, uid uuid,
                    at timestamptz, amount numeric, bytes bytea, doc jsonb
                )
                """
            )
            let id = UUID()
            let at = Date(timeIntervalSince1970: 1_714_559_696.789012)
            let amount = Decimal(string: "12345678901234567890.123456789")!
            let bytes: [UInt8] = [0, 1, 2, 0xFE, 0xFF]
            let text = "héllo, 'wörld' \\ 🐇"
            try await connection.execute(
                "INSERT INTO \(unescaped: table) VALUES (1, \(text), \(Int64.max), \(Int32.min), \(-1.5e-7), \(true), \(id), \(at), \(amount), \(bytes), \(#"{"a": [1, 2]}"#))"
            )
            let nothing: String? = nil
            try await connection.execute(
                "INSERT INTO \(unescaped: table) VALUES (2, \(nothing), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
            )

            let rows = try await connection.query("SELECT * FROM \(unescaped: table) ORDER BY id")
            #expect(rows.count == 2)
            let row = rows[0]
            #expect(try row.decode(Int.self, at: 0) == 1)
            #expect(try row.decode(String.self, named: "text") == text)
            #expect(try row.decode(Int64.self, named: "big") == Int64.max)
            #expect(try row.decode(Int.self, named: "big") == Int.max)
            #expect(try row.decode(Int32.self, named: "small") == Int32.min)
            #expect(try row.decode(Double.self, named: "real8") == -1.5e-7)
            #expect(try row.decode(Bool.self, named: "flag") == true)
            #expect(try row.decode(UUID.self, named: "uid") == id)
            let decodedAt = try row.decode(Date.self, named: "at")
            #expect(abs(decodedAt.timeIntervalSince(at)) < 0.000_001)
            #expect(try row.decode(Decimal.self, named: "amount") == amount)
            #expect(try row.decode([UInt8].self, named: "bytes") == bytes)
            #expect(try row.decode(Data.self, named: "bytes") == Data(bytes))
            #expect(try row.decode(String.self, named: "doc") == #"{"a": [1, 2]}"#)

            let nulls = rows[1]
            for column in nulls.columns.dropFirst() {
                #expect(try nulls.decode(String?.self, named: column) == nil, "\(column) should be NULL")
            }
            #expect(try nulls.decode(Int?.self, named: "big") == nil)
            #expect(try nulls.decode(Date?.self, named: "at") == nil)
            #expect(try nulls.decode([UInt8]?.self, named: "bytes") == nil)
            #expect(try row.decode(Int?.self, named: "big") == Int.max)
        }
    }

    @Test func specialValuesRoundTrip() async throws {
        let connection = try await TestDatabase.connect()
        let rows = try await connection.query(
            "SELECT $1::float8, $2::float8, $3::timestamptz, $4::timestamptz, $5::date",
            [Double.infinity, Double.nan, Date.distantFuture, Date(timeIntervalSince1970: -62_135_683_200.25), "2024-02-29"]
        )
        #expect(try rows[0].decode(Double.self, at: 0) == .infinity)
        #expect(try rows[0].decode(Double.self, at: 1).isNaN)
        #expect(try rows[0].decode(Date.self, at: 2) == Date.distantFuture)
        #expect(try rows[0].decode(Date.self, at: 3).timeIntervalSince1970 == -62_135_683_200.25)
        #expect(try rows[0].decode(Date.self, at: 4).timeIntervalSince1970 == 1_709_164_800)
        await connection.close()
    }

    @Test func aTextArrayArrivesElementForElement() async throws {
        let connection = try await TestDatabase.connect()
        let values = ["a,b", "q\"uote", "back\\slash", "NULL", "", "{brace}", " blank ", "한글 칸", "\\\"", "line\nbreak"]
        let rows = try await connection.query("SELECT unnest($1::text[]) AS value", [PostgresTextArray(values)])
        #expect(try rows.map { try $0.decode(String.self, at: 0) } == values)
        let empty = try await connection.query("SELECT cardinality($1::text[])", [PostgresTextArray([])])
        #expect(try empty[0].decode(Int.self, at: 0) == 0)
        await connection.close()
    }

    @Test func decodingErrorNamesColumnTypeAndText() async throws {
        let connection = try await TestDatabase.connect()
        let rows = try await connection.query("SELECT 'abc' AS label, NULL::int AS missing")
        #expect {
            try rows[0].decode(Int.self, named: "label")
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .decoding && error!.message.contains("label") && error!.message.contains("Int")
                && error!.message.contains("'abc'")
        }
        #expect {
            try rows[0].decode(Int.self, named: "missing")
        } throws: { error in
            (error as? PostgresError)?.message.contains("NULL") == true
        }
        await connection.close()
    }

    /// `top -H`, `perf` and /proc show which thread is a database connection's.
    /// Another test's connection to the same server may carry the name too; the name is the point.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/task")))
    func theConnectionThreadIsNamedAfterTheServerPort() async throws {
        let connection = try await TestDatabase.connect()
        _ = try await connection.query("SELECT 1")
        let comms = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
            .compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        #expect(comms.contains("pg:\(try TestDatabase.configuration.port)\n"), "thread names: \(Set(comms))")
        await connection.close()
    }

    @Test func transactionCommits() async throws {
        try await TestDatabase.withTable("commit") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int PRIMARY KEY)")
            let inserted = try await connection.withTransaction { transaction in
                try await transaction.execute("INSERT INTO \(unescaped: table) VALUES (\(1)), (\(2))")
            }
            #expect(inserted == 2)
            let other = try await TestDatabase.connect()
            let count = try await other.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
            #expect(count == 2, "another connection sees the committed rows")
            await other.close()
        }
    }

    @Test func commitAfterSendsTheLastStatementsWithTheCommitAndReturnsTheirRows() async throws {
        try await TestDatabase.withTable("commitafter") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int PRIMARY KEY, note text)")
            let rows = try await connection.withTransaction { transaction in
                try await transaction.execute("INSERT INTO \(unescaped: table) VALUES (\(1), \("first"))")
                return try await transaction.commit(after: [
                    "INSERT INTO \(unescaped: table) VALUES (\(2), \("second")) RETURNING id",
                    "UPDATE \(unescaped: table) SET note = \("changed") WHERE id = \(1)",
                ], prepared: true)
            }
            #expect(rows.count == 2)
            #expect(try rows[0][0].decode(Int.self, at: 0) == 2)
            #expect(rows[1].affectedRows == 1)
            let other = try await TestDatabase.connect()
            let notes = try await other.query("SELECT note FROM \(unescaped: table) ORDER BY id").map { try $0.decode(String.self, at: 0) }
            #expect(notes == ["changed", "second"], "another connection sees every row committed")
            await other.close()
        }
    }

    @Test func commitAfterAFailingStatementRollsEverythingBackAndNamesTheFailure() async throws {
        try await TestDatabase.withTable("commitafterfails") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int PRIMARY KEY)")
            try await connection.execute("INSERT INTO \(unescaped: table) VALUES (\(1))")
            await #expect {
                try await connection.withTransaction { transaction in
                    try await transaction.execute("INSERT INTO \(unescaped: table) VALUES (\(2))")
                    _ = try await transaction.commit(after: [
                        "INSERT INTO \(unescaped: table) VALUES (\(1))",
                        "INSERT INTO \(unescaped: table) VALUES (\(3))",
                    ])
                }
            } throws: { error in
                (error as? PostgresError)?.sqlState == "23505"
            }
            let ids = try await connection.query("SELECT id FROM \(unescaped: table) ORDER BY id").map { try $0.decode(Int.self, at: 0) }
            #expect(ids == [1], "neither the body's row nor the statement after the failure stayed")
            let after = try await connection.withTransaction { transaction in
                try await transaction.commit(after: ["INSERT INTO \(unescaped: table) VALUES (\(4))"])
            }
            #expect(after.count == 1, "the connection is usable for the next transaction")
        }
    }

    @Test func commitAfterAsTheOnlyStatementsOfATransactionBeginsItToo() async throws {
        try await TestDatabase.withTable("commitafteronly") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int PRIMARY KEY)")
            await #expect(throws: BodyFailed.self) {
                try await connection.withTransaction { transaction in
                    _ = try await transaction.commit(after: ["INSERT INTO \(unescaped: table) VALUES (\(1))"])
                    throw BodyFailed()
                }
            }
            let count = try await connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
            #expect(count == 1, "committed before the body threw: BEGIN went with the statement")
        }
    }

    struct BodyFailed: Error {}

    @Test func transactionRollsBackWhenTheBodyThrows() async throws {
        try await TestDatabase.withTable("rollback") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int PRIMARY KEY)")
            await #expect(throws: BodyFailed.self) {
                try await connection.withTransaction { transaction in
                    try await transaction.execute("INSERT INTO \(unescaped: table) VALUES (\(1))")
                    throw BodyFailed()
                }
            }
            let count = try await connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
            #expect(count == 0, "the insert was rolled back")
        }
    }

    @Test func commitOfAnAbortedTransactionIsReportedAsRollback() async throws {
        try await TestDatabase.withTable("aborted") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int PRIMARY KEY)")
            await #expect {
                try await connection.withTransaction { transaction in
                    try await transaction.execute("INSERT INTO \(unescaped: table) VALUES (\(1))")
                    _ = try? await transaction.execute("INSERT INTO \(unescaped: table) VALUES (\(1))")
                }
            } throws: { error in
                (error as? PostgresError)?.code == .transactionRolledBack
            }
            let count = try await connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
            #expect(count == 0)
        }
    }

    // BEGIN travels with a transaction's first statement (pipeline mode, or `BEGIN;` in front of
    // a statement without parameters): these check that the statement really runs inside the
    // transaction and that its errors come back as if BEGIN had been a round trip of its own.

    @Test func everyFirstStatementKindRunsInsideTheTransaction() async throws {
        try await TestDatabase.withTable("first") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int PRIMARY KEY)")
            // With parameters, prepared, and plain SQL text (several statements allowed there).
            let firsts: [(PostgresConnection) async throws -> Void] = [
                { try await $0.execute("INSERT INTO \(unescaped: table) VALUES (\(1))") },
                { try await $0.execute("INSERT INTO \(unescaped: table) VALUES (\(2))", prepared: true) },
                { try await $0.execute("INSERT INTO \(unescaped: table) VALUES (3); INSERT INTO \(unescaped: table) VALUES (4)") },
            ]
            for first in firsts {
                await #expect(throws: BodyFailed.self) {
                    try await connection.withTransaction { transaction in
                        try await first(transaction)
                        // Outside a transaction block, the INSERT's transaction would have ended with it.
                        let open = try await transaction.query("SELECT txid_current_if_assigned() IS NOT NULL")
                        #expect(try open[0].decode(Bool.self, at: 0), "the first statement's transaction is still open")
                        throw BodyFailed()
                    }
                }
            }
            let count = try await connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
            #expect(count == 0, "every first statement was rolled back with its transaction")
        }
    }

    /// A prelude (`SET LOCAL`) travels with BEGIN and whichever first statement follows:
    /// plain text, with parameters, prepared, or the statements sent with the COMMIT.
    @Test func aPreludeRunsInsideTheTransactionBeforeEveryKindOfFirstStatement() async throws {
        let prelude = ["SET LOCAL lock_timeout = '123ms'"]
        let firsts: [(PostgresConnection) async throws -> String] = [
            { try await $0.query("SELECT current_setting('lock_timeout')")[0].decode(String.self, at: 0) },
            { try await $0.query("SELECT current_setting(\("lock_timeout"))")[0].decode(String.self, at: 0) },
            { try await $0.query("SELECT current_setting(\("lock_timeout"))", prepared: true)[0].decode(String.self, at: 0) },
            { try await $0.commit(after: ["SELECT current_setting(\("lock_timeout"))"])[0][0].decode(String.self, at: 0) },
        ]
        let connection = try await TestDatabase.connect()
        for first in firsts {
            let inside = try await connection.withTransaction(prelude: prelude) { try await first($0) }
            #expect(inside == "123ms")
            let after = try await connection.query("SELECT current_setting('lock_timeout')")[0].decode(String.self, at: 0)
            #expect(after == "0", "SET LOCAL ended with its transaction")
        }
        // A failing prelude is the first statement's error, and the connection goes on.
        await #expect {
            try await connection.withTransaction(prelude: ["SET LOCAL no_such_setting_at_all = 1"]) {
                try await $0.query("SELECT \(1)")
            }
        } throws: { error in
            (error as? PostgresError)?.message.contains("no_such_setting_at_all") == true
        }
        #expect(try await connection.query("SELECT 2")[0].decode(Int.self, at: 0) == 2)
        await connection.close()
    }

    @Test func failingFirstStatementReportsItsErrorAndLeavesTheConnectionUsable() async throws {
        try await TestDatabase.withTable("firstfails") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int PRIMARY KEY)")
            try await connection.execute("INSERT INTO \(unescaped: table) VALUES (\(1))")
            for prepared in [false, true] {
                await #expect {
                    try await connection.withTransaction { transaction in
                        try await transaction.execute("INSERT INTO \(unescaped: table) VALUES (\(1))", prepared: prepared)
                    }
                } throws: { error in
                    (error as? PostgresError)?.sqlState == "23505"
                }
                let inserted = try await connection.withTransaction { transaction in
                    try await transaction.execute("INSERT INTO \(unescaped: table) VALUES (\(prepared ? 3 : 2))", prepared: prepared)
                }
                #expect(inserted == 1, "the next transaction commits")
            }
            let empty: Int = try await connection.withTransaction { _ in 42 }
            #expect(empty == 42, "a transaction without statements returns its value")
            let count = try await connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
            #expect(count == 3)
        }
    }

    @Test func uniqueViolationCarriesSQLStateAndConstraint() async throws {
        try await TestDatabase.withTable("unique") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int CONSTRAINT \(unescaped: table)_once PRIMARY KEY)")
            try await connection.execute("INSERT INTO \(unescaped: table) VALUES (\(7))")
            await #expect {
                try await connection.execute("INSERT INTO \(unescaped: table) VALUES (\(7))")
            } throws: { error in
                let error = error as? PostgresError
                return error?.code == .server && error?.sqlState == "23505" && error?.constraint == "\(table)_once"
                    && error?.table == table
            }
            // The connection stays usable after a server error.
            #expect(try await connection.query("SELECT 1").count == 1)
        }
    }

    @Test func syntaxErrorCarriesSQLStateAndMessage() async throws {
        let connection = try await TestDatabase.connect()
        for prepared in [false, true] {
            await #expect {
                try await connection.query("SELEKT \(1)", prepared: prepared)
            } throws: { error in
                let error = error as? PostgresError
                return error?.sqlState == "42601" && error?.message.contains("syntax error") == true
            }
        }
        await connection.close()
    }

    @Test func preparedStatementsAreReused() async throws {
        try await TestDatabase.withTable("prepared") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int, label text)")
            for id in 1...5 {
                try await connection.execute("INSERT INTO \(unescaped: table) VALUES (\(id), \("n\(id)"))", prepared: true)
            }
            let prepared = try await connection.query(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO \(unescaped: table)%'"
            )
            #expect(try prepared[0].decode(Int.self, at: 0) == 1, "one server-side statement for five inserts")
            let labels = try await connection.query("SELECT label FROM \(unescaped: table) WHERE id > \(3) ORDER BY id", prepared: true)
            #expect(try labels.map { try $0.decode(String.self, at: 0) } == ["n4", "n5"])
        }
    }

    @Test func droppedConnectionIsDetectedAndCanBeReset() async throws {
        let connection = try await TestDatabase.connect()
        let pid = try await connection.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)

        let admin = try await TestDatabase.connect()
        let terminated = try await admin.query("SELECT pg_terminate_backend(\(pid))")[0].decode(Bool.self, at: 0)
        #expect(terminated)
        await admin.close()

        for attempt in 1...2 {
            await #expect("attempt \(attempt) fails with connectionLost") {
                try await connection.query("SELECT 1")
            } throws: { error in
                (error as? PostgresError)?.code == .connectionLost
            }
        }

        try await connection.reset()
        let newPid = try await connection.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
        #expect(newPid != pid)
        await connection.close()
    }

    @Test func wrongPasswordFailsWithoutQuotingIt() async throws {
        var configuration = try TestDatabase.configuration
        configuration.password = "definitely-wrong-pw"
        await #expect {
            try await PostgresConnection.connect(configuration, logger: TestDatabase.logger)
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .connectionFailed && error?.message.contains("password authentication failed") == true
                && !"\(error!)".contains("definitely-wrong-pw") && !String(reflecting: error!).contains("definitely-wrong-pw")
        }
    }

    @Test func unreachableServerFailsToConnect() async throws {
        var configuration = try TestDatabase.configuration
        configuration.port = 1  // nothing listens there
        await #expect {
            try await PostgresConnection.connect(configuration, logger: TestDatabase.logger)
        } throws: { error in
            (error as? PostgresError)?.code == .connectionFailed
        }
    }

    @Test func concurrentQueriesOnOneConnectionAreSerialized() async throws {
        let connection = try await TestDatabase.connect()
        let results = try await withThrowingTaskGroup(of: (Int, Int, String).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let row = try await connection.query("SELECT \(index) * 2, \("task \(index)")::text")[0]
                    return (index, try row.decode(Int.self, at: 0), try row.decode(String.self, at: 1))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 200)
        for (index, doubled, label) in results {
            #expect(doubled == index * 2)
            #expect(label == "task \(index)")
        }
        await connection.close()
    }

    actor Ledger {
        let connection: PostgresConnection
        var recorded = 0
        init(connection: PostgresConnection) { self.connection = connection }

        func record(into table: String) async throws {
            try await connection.withTransaction { transaction in
                try await transaction.execute("INSERT INTO \(unescaped: table) VALUES (\(recorded))")
                recorded += 1  // actor state, touched from the body: the body runs on the actor
            }
        }
    }

    @Test func transactionsWorkFromAnActor() async throws {
        try await TestDatabase.withTable("actor") { connection, table in
            try await connection.execute("CREATE TABLE \(unescaped: table) (id int PRIMARY KEY)")
            let ledger = Ledger(connection: connection)
            for _ in 0..<3 { try await ledger.record(into: table) }
            let count = try await connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
            #expect(count == 3)
            #expect(await ledger.recorded == 3)
        }
    }

    @Test func codeOnTheConnectionThreadSurvivesClose() async throws {
        let connection = try await TestDatabase.connect()
        let value = try await withTaskExecutorPreference(connection.taskExecutor) {
            let value = try await connection.query("SELECT 41 + 1")[0].decode(Int.self, at: 0)
            await connection.close()
            try await Task.sleep(for: .milliseconds(10))  // resumes although the thread has gone
            return value
        }
        #expect(value == 42)
    }

    @Test func droppingTheLastReferenceClosesTheBackend() async throws {
        func openAndForget() async throws -> Int32 {
            let connection = try await TestDatabase.connect()
            return try await connection.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
        }
        let pid = try await openAndForget()
        let observer = try await TestDatabase.connect()
        var alive = true
        for _ in 0..<100 where alive {
            try await Task.sleep(for: .milliseconds(20))
            alive = try await observer.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(pid)")[0]
                .decode(Int.self, at: 0) == 1
        }
        #expect(!alive, "the backend of a dropped connection should exit")
        await observer.close()
    }

    @Test func closedConnectionRefusesWork() async throws {
        let connection = try await TestDatabase.connect()
        await connection.close()
        await #expect {
            try await connection.query("SELECT 1")
        } throws: { error in
            (error as? PostgresError)?.code == .connectionClosed
        }
    }
}
