import Foundation
import GRDB
import Warren
import WarrenEmbedded

/// The test system's `vault` context, kept in SQLite: deposits announce the new balance; an RPC
/// charges orders, refused for an order voided before; a void after the charge marks it voided.
enum Vault {
    struct Deposit: Message {
        static let type = "vault.Deposit"
        var account: String
        var amount: Int
    }

    struct Deposited: Message, Equatable {
        static let type = "vault.Deposited"
        var account: String
        var amount: Int
        var balance: Int
    }

    struct Charge: RPCRequest {
        typealias Reply = Charged
        static let type = "vault.Charge"
        var orderId: String
        var amount: Int
    }

    struct Charged: Message, Equatable {
        static let type = "vault.ChargeReply"
        var approved: Bool
        var chargeId: Int?
        var reason: String?
    }

    struct Void: Message {
        static let type = "vault.Void"
        var orderId: String
    }

    static var context: EmbeddedContext {
        var context = EmbeddedContext("vault", system: "depot", migrations: [
            Migration(1, "accounts", "CREATE TABLE accounts (account TEXT PRIMARY KEY, balance INTEGER NOT NULL)"),
            Migration(2, "charges", """
                CREATE TABLE charges (id INTEGER PRIMARY KEY, order_id TEXT UNIQUE NOT NULL, amount INTEGER NOT NULL,
                                      voided INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE voids (order_id TEXT PRIMARY KEY)
                """),
        ])
        context.on(Deposit.self) { deposit, handling in
            guard deposit.account != "blocked" else { throw PermanentFailure.rejected("account blocked is closed") }
            try handling.db.execute(sql: """
                INSERT INTO accounts (account, balance) VALUES (?, ?)
                ON CONFLICT (account) DO UPDATE SET balance = balance + excluded.balance
                """, arguments: [deposit.account, deposit.amount])
            let balance = try Int.fetchOne(handling.db, sql: "SELECT balance FROM accounts WHERE account = ?", arguments: [deposit.account]) ?? 0
            try handling.publish(Deposited(account: deposit.account, amount: deposit.amount, balance: balance))
        }
        context.serve(Charge.self) { charge, handling in
            guard charge.amount > 0 else { return Charged(approved: false, reason: "amount \(charge.amount) is not positive") }
            if try Bool.fetchOne(handling.db, sql: "SELECT 1 FROM voids WHERE order_id = ?", arguments: [charge.orderId]) != nil {
                return Charged(approved: false, reason: "order \(charge.orderId) was voided")
            }
            try handling.db.execute(sql: "INSERT INTO charges (order_id, amount) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                    arguments: [charge.orderId, charge.amount])
            let id = try Int.fetchOne(handling.db, sql: "SELECT id FROM charges WHERE order_id = ?", arguments: [charge.orderId])
            return Charged(approved: true, chargeId: id)
        }
        context.on(Void.self) { void, handling in
            try handling.db.execute(sql: "INSERT INTO voids (order_id) VALUES (?) ON CONFLICT DO NOTHING", arguments: [void.orderId])
            try handling.db.execute(sql: "UPDATE charges SET voided = 1 WHERE order_id = ?", arguments: [void.orderId])
        }
        return context
    }
}
