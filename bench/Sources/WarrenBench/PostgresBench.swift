import Foundation
import Logging
import Postgres

/// `pg-insert`: N single-row insert transactions, each BEGIN, INSERT, COMMIT, the shape of the
/// worker's inbox write; the C reference in bench/ sends the same three statements.
///
///     WarrenBench pg-insert --url URL --count N [--table T] [--prepared] [--mode thread|transaction|pool]
///
/// `withTransaction` sends BEGIN together with the INSERT (two round trips; the C reference, one
/// statement per `PQexec`/`PQexecParams`, takes three). The modes differ in where the Swift code
/// between the statements runs, to measure what thread hops cost:
/// - `thread` (default): the loop runs on the connection's thread (a task executor preference),
///   as a worker that drives its connection does: no hop at all;
/// - `transaction`: the loop runs on the cooperative pool and each `withTransaction` hops to the
///   connection's thread and back: two hops per transaction;
/// - `pool`: three separate `execute` calls from the pool, three round trips as in C: two hops
///   per statement.
/// `--prepared` runs the INSERT as a cached prepared statement (PQexecPrepared) instead of PQexecParams.
enum PostgresBench {
    static func run(_ arguments: [String]) async throws {
        do {
            try await measure(arguments)
        } catch {
            // A clear one-line failure for the bench scripts, not a crash report.
            FileHandle.standardError.write(Data("pg-insert: \(error)\n".utf8))
            exit(1)
        }
    }

    private static func measure(_ arguments: [String]) async throws {
        var url = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://warren:warren@127.0.0.1:5432/warren"
        var count = 10_000
        var table = "bench_swift_insert"
        var prepared = false
        var mode = Mode.thread
        var remaining = arguments.dropFirst()[...]
        while let option = remaining.popFirst() {
            switch option {
            case "--url": url = try value(of: option, &remaining)
            case "--count":
                guard let number = Int(try value(of: option, &remaining)), number > 0 else {
                    throw BenchError("--count needs a positive integer")
                }
                count = number
            case "--table":
                table = try value(of: option, &remaining)
                guard table.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }) else {
                    throw BenchError("--table takes a plain identifier (letters, digits, _ and .)")
                }
            case "--prepared": prepared = true
            case "--mode":
                guard let chosen = Mode(rawValue: try value(of: option, &remaining)) else {
                    throw BenchError("--mode takes thread, transaction or pool")
                }
                mode = chosen
            default: throw BenchError("unknown option \(option); usage: pg-insert --url URL --count N [--table T] [--prepared] [--mode thread|transaction|pool]")
            }
        }

        let connection = try await PostgresConnection.connect(
            PostgresConfiguration(url: url), logger: Logger(label: "warren.bench.postgres")
        )
        // As bench/c/pg_bench.c: a fresh table each run (an ever-growing one would slow only this
        // side), the same 32-byte payload, and the row count checked afterwards, outside the timing.
        try await connection.execute("CREATE TABLE IF NOT EXISTS \(unescaped: table) (id bigserial PRIMARY KEY, payload text)")
        try await connection.execute("TRUNCATE \(unescaped: table) RESTART IDENTITY")
        let insert = "INSERT INTO \(table) (payload) VALUES ($1)"
        let payload = "0123456789abcdef0123456789abcdef"

        let clock = ContinuousClock()
        let start = clock.now
        let oneTransaction = {
            try await connection.withTransaction { transaction in
                try await transaction.execute(insert, [payload], prepared: prepared)
            }
        }
        switch mode {
        case .thread:
            try await withTaskExecutorPreference(connection.taskExecutor) {
                for _ in 0..<count { _ = try await oneTransaction() }
            }
        case .transaction:
            for _ in 0..<count { _ = try await oneTransaction() }
        case .pool:
            for _ in 0..<count {
                try await connection.execute("BEGIN")
                try await connection.execute(insert, [payload], prepared: prepared)
                try await connection.execute("COMMIT")
            }
        }
        let elapsed = clock.now - start
        let rows = try await connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
        await connection.close()
        guard rows == count else { throw BenchError("expected \(count) rows in \(table), found \(rows)") }

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let perSecond = Double(count) / seconds
        print(
            #"{"bench":"pg-insert","transactions":\#(count),"seconds":\#(rounded(seconds, 4)),"per_s":\#(rounded(perSecond, 1))}"#
        )
    }

    enum Mode: String {
        case thread, transaction, pool
    }

    private static func value(of option: String, _ remaining: inout ArraySlice<String>) throws -> String {
        guard let value = remaining.popFirst() else { throw BenchError("\(option) needs a value") }
        return value
    }

    private static func rounded(_ value: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }
}
