import Foundation
import Postgres
import Warren

/// The test system's `ledger` context: deposits raise a balance and announce it.
///
/// Accounts named `blocked` are refused (a permanent failure); `flaky-N` fails its first N
/// attempts and then succeeds; `flaky-always` never succeeds.
enum Ledger {
    struct Deposit: Message {
        static let type = "ledger.Deposit"
        var account: String
        var amount: Int
    }

    struct Deposited: Message {
        static let type = "ledger.Deposited"
        var account: String
        var amount: Int
        var balance: Int
    }

    struct TransientTrouble: Error, CustomStringConvertible {
        let attempt: Int
        var description: String { "simulated transient failure on attempt \(attempt)" }
    }

    static var context: BoundedContext {
        var context = BoundedContext("ledger", system: "ledger", migrations: [
            Migration(1, "accounts", "CREATE TABLE accounts (account text PRIMARY KEY, balance bigint NOT NULL)"),
            Migration(2, "history", "CREATE TABLE history (id bigserial PRIMARY KEY, account text NOT NULL, amount bigint NOT NULL)"),
        ])
        context.on(Deposit.self) { deposit, handling in
            if deposit.account == "blocked" { throw PermanentFailure.rejected("account \(deposit.account) is blocked") }
            if deposit.account.hasPrefix("flaky-") {
                let failures = Int(deposit.account.dropFirst("flaky-".count)) ?? Int.max
                if handling.envelope.attempt <= failures { throw TransientTrouble(attempt: handling.envelope.attempt) }
            }
            let rows = try await handling.database.query("""
                INSERT INTO accounts (account, balance) VALUES ($1, $2)
                ON CONFLICT (account) DO UPDATE SET balance = accounts.balance + EXCLUDED.balance RETURNING balance
                """, [deposit.account, deposit.amount], prepared: true)
            let balance = try rows[0].decode(Int.self, at: 0)
            try await handling.database.execute("INSERT INTO history (account, amount) VALUES ($1, $2)",
                                                [deposit.account, deposit.amount], prepared: true)
            try handling.publish(Deposited(account: deposit.account, amount: deposit.amount, balance: balance))
        }
        return context
    }
}
