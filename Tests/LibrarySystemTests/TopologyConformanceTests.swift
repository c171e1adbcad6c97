import Foundation
import Testing
import Topology
@testable import LibrarySystem
@testable import Warren

/// The Swift messages, views and handlers say exactly what topology/library declares.
@Suite struct TopologyConformanceTests {
    static let topology = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("topology").path
    let fleet: Fleet

    init() throws {
        let (fleet, problems) = try TopologyDirectory(Self.topology).check(system: LibrarySystem.name)
        #expect(problems.map(\.description) == [], "warren topology check must pass")
        self.fleet = fleet
    }

    /// One of every message, every optional field set in one sample of its type.
    static let samples: [any Warren.Message] = [
        Rental.Reserve(memberId: 1, bookId: 1),
        Rental.ChangeRental(id: 2, reqState: "kioskrental", kioskNo: 1),
        Rental.Reserved(rentalId: 2, memberId: 1, bookId: 1, version: 1),
        Rental.Rentaled(rentalId: 2, memberId: 1, bookId: 1, version: 2),
        Rental.Returned(rentalId: 2, memberId: 1, bookId: 1, version: 3),
        Rental.Cancelled(rentalId: 2, memberId: 1, bookId: 1, version: 2),
        Rental.KioskRentaled(rentalId: 2, memberId: 1, bookId: 1, kioskNumber: 1, version: 2),
        Rental.KioskReturned(rentalId: 2, memberId: 1, bookId: 1, kioskNumber: 1, version: 3),
        Payment.Pay(rentalId: 2, memberId: 1, bookId: 1),
        Payment.PayReply.paid(paymentId: 3),
        Payment.PayReply(paid: false, paymentId: 3, status: Payment.Status.refused, reason: "rental 2 is already paid"),
        Payment.VoidPayment(rentalId: 2),
        Payment.Paid(paymentId: 3, rentalId: 2, memberId: 1, bookId: 1),
        Payment.PaymentCancelled(paymentId: 3, rentalId: 2, memberId: 1, bookId: 1),
        Kiosk.SelfRental(requestId: 9, rentalId: 2, kioskNo: 1),
        Kiosk.SelfRentalReply.accepted,
        Kiosk.SelfRentalReply.refused("there is no kiosk 99: the kiosks are numbered 1 to 10"),
        Kiosk.VoidSelfRental(requestId: 9),
        Kiosk.SelfRentaled(kioskId: 4, rentalId: 2, memberId: 1, bookId: 1, kioskNo: 1),
        Kiosk.SelfReturned(kioskId: 4, rentalId: 2, memberId: 1, bookId: 1, kioskNo: 1),
    ]

    @Test func everyMessageHasExactlyTheDeclaredFields() throws {
        var keys: [String: Set<String>] = [:]
        for sample in Self.samples {
            let type = Swift.type(of: sample).type
            let declared = try #require(fleet.message(type), "\(type) is not declared in topology/library")
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
            ("rental.rentals", Rental.RentalRecord(id: 2, memberId: 1, bookId: 1, reqState: "kioskrental", kioskNo: 1)),
            ("payment.payments", Payment.PaymentRecord(id: 3, rentalId: 2, memberId: 1, bookId: 1, status: "Paid")),
            ("kiosk.kiosks", Kiosk.KioskRecord(id: 4, rentalId: 2, bookId: 1, memberId: 1, kioskNo: 1, bookStatus: "rented")),
            ("book.books", Book.BookRecord(id: 1, memberId: 1, rentalId: 2, bookStatus: "rented")),
            ("mypage.reservationLists", MyPage.ReservationListRecord(id: 2, memberId: 1, bookId: 1, reqState: "kioskrental",
                                                                      kioskNo: 1, payStatus: "Paid", kioskStatus: "rented")),
            ("mypage.mypages", MyPage.MyPageRecord(memberId: 1, reservedBookIds: [], rentedBookIds: [1], returnedBookIds: [],
                                                   cancelledBookIds: [])),
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
            let swift = try #require(LibrarySystem.context(named: context.name, settings: Settings()))
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
        #expect(Set(LibrarySystem.contextNames) == Set(fleet.system(named: "library")?.contexts.map(\.name) ?? []))
        for context in fleet.contexts {
            let swift = try #require(LibrarySystem.context(named: context.name, settings: Settings()))
            #expect(HandlerCheck.mismatches(swift, context) == [], "\(context.name)")
        }
    }

    private func snakeCase(_ name: String) -> String {
        name.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
