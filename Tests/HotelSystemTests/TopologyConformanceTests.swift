import Foundation
import Testing
import Topology
@testable import HotelSystem
@testable import Warren

/// The Swift messages, views and handlers say exactly what topology/hotel declares.
@Suite struct TopologyConformanceTests {
    static let topology = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("topology").path
    let fleet: Fleet

    init() throws {
        let (fleet, problems) = try TopologyDirectory(Self.topology).check(system: HotelSystem.name)
        #expect(problems.map(\.description) == [], "warren topology check must pass")
        self.fleet = fleet
    }

    /// One of every message, every optional field set in one sample of its type.
    static let samples: [any Warren.Message] = [
        Order.PlaceOrder(name: "BJ.Kang", cardNo: "111", status: "order start"),
        Order.CancelOrder(id: 2),
        Order.ChangeOrder(id: 2, status: "cancel"),
        Order.Ordered(orderId: 2, name: "BJ.Kang", cardNo: "**1"),
        Order.OrderCanceled(orderId: 2, name: "BJ.Kang", cardNo: "**1", paid: true, reason: Order.Cause.customer),
        Payment.Pay(orderId: 2, name: "BJ.Kang", cardNo: "111"),
        Payment.PayReply.approved(paymentId: 3),
        Payment.PayReply(approved: false, paymentId: 3, status: Payment.Status.declined, reason: "order 2 is already paid"),
        Payment.VoidPayment(orderId: 2),
        Payment.PaymentApproved(paymentId: 3, orderId: 2, cardNo: "**1"),
        Payment.PaymentCanceled(paymentId: 3, orderId: 2, cancellationId: 4, cardNo: "**1"),
        Reservation.ReservationCompleted(reservationId: 5, orderId: 2),
        Reservation.ReservationCanceled(reservationId: 5, orderId: 2),
        Hotel.ConfirmReservation(orderId: 2, status: "Confirmed"),
        Hotel.ReservationConfirmed(confirmationId: 6, orderId: 2, reservationId: 5),
        Hotel.ReservationRejected(confirmationId: 6, orderId: 2, reservationId: 5),
    ]

    @Test func everyMessageHasExactlyTheDeclaredFields() throws {
        var keys: [String: Set<String>] = [:]
        for sample in Self.samples {
            let type = Swift.type(of: sample).type
            let declared = try #require(fleet.message(type), "\(type) is not declared in topology/hotel")
            let body = try JSONEncoder().encode(sample)
            let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            keys[type, default: []].formUnion(object.keys)
            #expect(PayloadValidator.validate(body, against: declared.fields) == [], "\(type) breaks its declaration")
        }
        for (type, keys) in keys {
            #expect(keys == Set(fleet.message(type)?.fields.map(\.name) ?? []), "\(type): the struct's fields differ from the topology's")
        }
        let declared = Set(fleet.contexts.flatMap(\.messages).map(\.type))
        #expect(Set(keys.keys) == declared, "messages without a Swift struct: \(declared.subtracting(keys.keys).sorted())")
    }

    @Test func viewRowsUseTheViewsJSONNames() throws {
        let rows: [(String, any Encodable)] = [
            ("order.orders", Order.OrderRecord(id: 2, name: "BJ.Kang", cardNo: "**1", status: "Ordered")),
            ("payment.paymentHistories", Payment.PaymentHistory(id: 3, orderId: 2, cardNo: "**1", status: "Pay OK")),
            ("reservation.reservations", Reservation.ReservationRecord(id: 5, orderId: 2, status: "Reservation Complete")),
            ("hotel.confirmations", Hotel.ConfirmationRecord(id: 6, orderId: 2, reservationId: 5, status: "Confirmed")),
            ("customer.mypages", Customer.MyPage(id: 2, orderId: 2, name: "BJ.Kang", reservationId: 5, cancellationId: 4, status: "Pay Canceled")),
            ("customer.hotelViews", Customer.HotelView(id: 2, orderId: 2, name: "BJ.Kang", reservationId: 5, confirmationId: 6, status: "Confirmed")),
            ("customer.notifications", Customer.Notification(id: 1, orderId: 2, event: "Ordered", message: "placed")),
        ]
        for (name, row) in rows {
            let view = try #require(fleet.contexts.flatMap(\.views).first { $0.qualifiedName == name }, "no view \(name)")
            let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(row)) as? [String: Any])
            #expect(Set(object.keys) == Set(view.fields.map(\.name)), "\(name)")
        }
    }

    /// The contract: a view is a table named snake_case in the context's schema, a column per field.
    @Test func migrationsCreateEveryViewTableWithItsColumns() throws {
        for context in fleet.contexts {
            let swift = try #require(HotelSystem.context(named: context.name, settings: Settings()))
            let sql = swift.migrations.map(\.sql).joined(separator: "\n")
            for view in context.views {
                let table = snakeCase(view.name)
                let create = try #require(sql.range(of: "CREATE TABLE \(table) ("), "\(context.name) creates no table \(table)")
                let body = sql[create.upperBound...].prefix { $0 != ";" }
                for field in view.fields {
                    #expect(body.contains("\n    \(snakeCase(field.name)) "), "\(table) has no column \(snakeCase(field.name))")
                }
            }
        }
    }

    @Test func everyContextHandlesWhatItsQueuesConsume() throws {
        #expect(Set(HotelSystem.contextNames) == Set(fleet.system(named: "hotel")?.contexts.map(\.name) ?? []))
        for context in fleet.contexts {
            let swift = try #require(HotelSystem.context(named: context.name, settings: Settings()))
            #expect(HandlerCheck.mismatches(swift, context) == [], "\(context.name)")
        }
    }

    private func snakeCase(_ name: String) -> String {
        name.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
