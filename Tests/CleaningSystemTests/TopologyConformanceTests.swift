import Foundation
import Testing
import Topology
@testable import CleaningSystem
@testable import Warren

/// The Swift messages, views and handlers say exactly what topology/cleaning declares.
@Suite struct TopologyConformanceTests {
    static let topology = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("topology").path
    let fleet: Fleet

    init() throws {
        let (fleet, problems) = try TopologyDirectory(Self.topology).check(system: CleaningSystem.name)
        #expect(problems.map(\.description) == [], "warren topology check must pass")
        self.fleet = fleet
    }

    /// One of every message, every optional field set.
    static let samples: [any Warren.Message] = [
        Reservation.RequestCleaning(requestDate: "2026-05-01", place: "seoul", price: 2000, payKind: "card"),
        Reservation.CancelCleaning(id: 1),
        Reservation.ChangeReservation(id: 1, status: "cancel"),
        Reservation.CleaningRequested(requestId: 1, requestDate: "2026-05-01", place: "seoul", price: 2000, payKind: "card"),
        Reservation.CleaningRequestCanceled(requestId: 1, payKind: "card", price: 2000, reason: "cancelled by the customer"),
        Payment.ApprovePayment(requestId: 1, requestDate: "2026-05-01", place: "seoul", price: 2000, payKind: "card"),
        Payment.ApprovePaymentReply.approved(paymentId: 3),
        Payment.ApprovePaymentReply(approved: false, paymentId: 3, status: Payment.Status.declined, reason: "request 1 is already paid"),
        Payment.RegisterPayKind(requestId: 1, payMethodId: 9, kind: "credit", numberLast4: "5003"),
        Payment.RegisterPayKindReply(registered: false, status: Payment.Status.kindRefused, reason: "the payment kind is empty"),
        Payment.VoidPayment(requestId: 1),
        Payment.PayConfirmed(requestId: 1, paymentId: 3, requestDate: "2026-05-01", place: "seoul", price: 2000, payKind: "card"),
        Payment.PayCancelConfirmed(requestId: 1, payKind: "card", price: 2000),
        Payment.PayKindChangeConfirmed(requestId: 1, payMethodId: 9, payKind: "credit"),
        PayMethod.RegisterPayMethod(kind: "credit", number: "40095003", requestId: 1, payKindRegStatus: "PaymentKindRegistered"),
        PayMethod.ChangePayMethod(id: 9, kind: "bank", number: "1234567890"),
        PayMethod.KindRegistered(payMethodId: 9, requestId: 1, kind: "credit", numberMasked: "****5003"),
        PayMethod.KindChanged(payMethodId: 9, requestId: 1, kind: "bank", numberMasked: "******7890", version: 1),
        Cleaning.CompleteCleaning(requestId: 1, status: "CleaningCompleted"),
        Cleaning.CleaningConfirmed(requestId: 1, requestDate: "2026-05-01", place: "seoul", cleanerId: 2),
        Cleaning.CleaningRejected(requestId: 1, reason: "no cleaner free on 2026-05-01: all 3 are booked"),
        Cleaning.CleaningCompleted(requestId: 1),
    ]

    @Test func everyMessageHasExactlyTheDeclaredFields() throws {
        var keys: [String: Set<String>] = [:]
        for sample in Self.samples {
            let type = Swift.type(of: sample).type
            let declared = try #require(fleet.message(type), "\(type) is not declared in topology/cleaning")
            let body = try JSONEncoder().encode(sample)
            let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            keys[type, default: []].formUnion(object.keys)
            #expect(PayloadValidator.validate(body, against: declared.fields) == [], "\(type) breaks its declaration")
        }
        // Optional fields are left out when nil: the samples of a type together show them all.
        for (type, keys) in keys {
            #expect(keys == Set(fleet.message(type)?.fields.map(\.name) ?? []), "\(type): the struct's fields differ from the topology's")
        }
        let declared = Set(fleet.contexts.flatMap(\.messages).map(\.type))
        #expect(Set(keys.keys) == declared, "messages without a Swift struct: \(declared.subtracting(keys.keys).sorted())")
    }

    @Test func viewRowsUseTheViewsJSONNames() throws {
        let rows: [(String, any Encodable)] = [
            ("reservation.cleaningReservations", Reservation.CleaningReservation(id: 1, requestDate: "d", place: "p", price: 1, payKind: "k", status: "s")),
            ("payment.payments", Payment.PaymentRecord(id: 1, requestId: 1, price: 1, payKind: "k", status: "s")),
            ("paymethod.paymethods", PayMethod.PayMethodRecord(id: 1, kind: "k", numberMasked: "****5003", requestId: 1, payKindRegStatus: "s")),
            ("cleaning.cleans", Cleaning.Clean(id: 1, requestId: 1, requestDate: "d", place: "p", cleanerId: 2, status: "s")),
            ("dashboard.dashBoardViews", DashboardView(requestId: 1, payKind: "k", place: "p", price: 1, requestDate: "d", status: "s")),
        ]
        for (name, row) in rows {
            let view = try #require(fleet.contexts.flatMap(\.views).first { $0.qualifiedName == name }, "no view \(name)")
            let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(row)) as? [String: Any])
            #expect(Set(object.keys) == Set(view.fields.map(\.name)), "\(name)")
        }
    }

    /// The contract: a view is a table named snake_case in the context's schema, a column per field.
    @Test func migrationsCreateEveryViewTableWithItsColumns() throws {
        let settings = try Settings.fromEnvironment(["PAYMETHOD_HASH_KEY": "0123456789abcdef"])
        for context in fleet.contexts {
            let swift = try #require(try CleaningSystem.context(named: context.name, settings: settings))
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
        let settings = try Settings.fromEnvironment(["PAYMETHOD_HASH_KEY": "0123456789abcdef"])
        #expect(Set(CleaningSystem.contextNames) == Set(fleet.system(named: "cleaning")?.contexts.map(\.name) ?? []))
        for context in fleet.contexts {
            let swift = try #require(try CleaningSystem.context(named: context.name, settings: settings))
            #expect(HandlerCheck.mismatches(swift, context) == [], "\(context.name)")
        }
    }

    private func snakeCase(_ name: String) -> String {
        name.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
