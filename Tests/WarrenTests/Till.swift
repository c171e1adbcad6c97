import Foundation
import Synchronization
import Warren

/// The test system's `till` context: an RPC server that charges orders. A charge of a voided
/// order is refused; a void of a charged order marks it voided. `Till.delay` slows every charge.
enum Till {
    struct Charge: RPCRequest {
        typealias Reply = Charged
        static let type = "till.Charge"
        var orderId: String
        var amount: Int
    }

    struct Charged: Message, Equatable {
        static let type = "till.ChargeReply"
        var approved: Bool
        var chargeId: Int?
        var reason: String?
    }

    struct Void: Message {
        static let type = "till.Void"
        var orderId: String
    }

    /// Milliseconds every charge waits before answering: a slow server.
    static let delay = Atomic<Int>(0)
    /// Charges being handled now, and the most there ever were at once.
    static let inFlight = Atomic<Int>(0)
    static let mostInFlight = Atomic<Int>(0)

    static var context: BoundedContext {
        var context = BoundedContext("till", system: "ledger", migrations: [
            Migration(1, "charges", """
                CREATE TABLE charges (id bigserial PRIMARY KEY, order_id text UNIQUE NOT NULL, amount bigint NOT NULL,
                                      voided boolean NOT NULL DEFAULT false);
                CREATE TABLE voids (order_id text PRIMARY KEY)
                """),
        ])
        context.serve(Charge.self) { charge, handling in
            let now = inFlight.add(1, ordering: .relaxed).newValue
            defer { inFlight.subtract(1, ordering: .relaxed) }
            mostInFlight.max(now, ordering: .relaxed)
            let wait = delay.load(ordering: .relaxed)
            if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
            guard charge.amount > 0 else { return Charged(approved: false, reason: "amount \(charge.amount) is not positive") }
            let voided = try await handling.database.query("SELECT 1 FROM voids WHERE order_id = $1", [charge.orderId])
            guard voided.isEmpty else { return Charged(approved: false, reason: "order \(charge.orderId) was voided") }
            let rows = try await handling.database.query("""
                INSERT INTO charges (order_id, amount) VALUES ($1, $2)
                ON CONFLICT (order_id) DO UPDATE SET amount = charges.amount RETURNING id
                """, [charge.orderId, charge.amount], prepared: true)
            return Charged(approved: true, chargeId: try rows[0].decode(Int.self, at: 0))
        }
        context.on(Void.self) { void, handling in
            try await handling.database.execute("INSERT INTO voids (order_id) VALUES ($1) ON CONFLICT DO NOTHING", [void.orderId])
            try await handling.database.execute("UPDATE charges SET voided = true WHERE order_id = $1", [void.orderId])
        }
        return context
    }
}

/// The test system's `shop` context: pays an order through till before storing it, and
/// answers the sender with the order or the reason it was refused.
enum Shop {
    struct PlaceOrder: Message {
        static let type = "shop.PlaceOrder"
        var orderId: String
        var amount: Int
    }

    struct OrderPlaced: Message {
        static let type = "shop.OrderPlaced"
        var orderId: String
        var amount: Int
        var chargeId: Int
    }

    struct Order: Codable, Equatable {
        var orderId: String
        var amount: Int
        var status: String
    }

    static var context: BoundedContext {
        var context = BoundedContext("shop", system: "ledger", migrations: [
            Migration(1, "orders", "CREATE TABLE orders (order_id text PRIMARY KEY, amount bigint NOT NULL, status text NOT NULL)"),
        ])
        context.on(PlaceOrder.self, before: { order, calls in
            await calls.result(of: Till.Charge(orderId: order.orderId, amount: order.amount))
        }) { order, charge, handling in
            switch charge {
            case .success(let charged) where charged.approved:
                let placed = Order(orderId: order.orderId, amount: order.amount, status: "placed")
                try await handling.database.execute("INSERT INTO orders (order_id, amount, status) VALUES ($1, $2, $3)",
                                                    [placed.orderId, placed.amount, placed.status])
                try handling.publish(OrderPlaced(orderId: order.orderId, amount: order.amount, chargeId: charged.chargeId ?? 0))
                handling.respond(try .created(id: placed.orderId, placed))
            case .success(let charged):
                handling.respond(.refused(.declined, charged.reason ?? "declined"))
            case .failure(let error):
                handling.respond(.refused(.unavailable, "payment is unavailable: \(error)"))
            }
        }
        return context
    }
}
