import Foundation
import Warren

/// bench/ingress's command route: `POST /balances` sends `ledger.Add`, which this context
/// handles with one upsert (inbox, handler, outcome stored, commit, reply, ack) and answers
/// `done` with the balance, so the ingress answers 200 with it.
enum Ledger {
    struct Add: Message {
        static let type = "ledger.Add"
        var key: String
        var amount: Int
    }

    struct Balance: Codable, Sendable {
        var key: String
        var balance: Int
        var entries: Int
    }

    static var context: BoundedContext {
        var context = BoundedContext("ledger", system: "bench", migrations: [
            Migration(1, "balances", "CREATE TABLE balances (key text PRIMARY KEY, balance bigint NOT NULL, entries bigint NOT NULL)"),
        ])
        context.on(Add.self) { command, handling in
            let rows = try await handling.database.query("""
                INSERT INTO balances (key, balance, entries) VALUES ($1, $2, 1)
                ON CONFLICT (key) DO UPDATE SET balance = balances.balance + EXCLUDED.balance, entries = balances.entries + 1
                RETURNING balance, entries
                """, [command.key, command.amount], prepared: true)
            let balance = Balance(key: command.key, balance: try rows[0].decode(Int.self, at: 0), entries: try rows[0].decode(Int.self, at: 1))
            handling.respond(try .done(balance))
        }
        return context
    }
}
