import Foundation
import Testing
import Warren
import WarrenTesting
@testable import LibrarySystem

/// Rental's handlers with an in-memory transport (PostgreSQL is real: the handlers speak SQL),
/// payment's and the kiosk's answers stubbed.
@Suite struct RentalHandlerTests {
    static let topology = TopologyConformanceTests.topology

    /// A harness whose payment pays and whose kiosks accept.
    static func withRental(_ body: (HandlerHarness) async throws -> Void) async throws {
        try await HandlerHarness.with(Rental.context(settings: Settings()), topology: topology) { harness in
            harness.stub(Payment.Pay.self) { _ in .paid(paymentId: 1) }
            harness.stub(Kiosk.SelfRental.self) { _ in .accepted }
            try await body(harness)
        }
    }

    static func reserve(_ harness: HandlerHarness, member: Int = 1, book: Int = 1) async throws -> Int {
        let reserved = try await harness.handle(Rental.Reserve(memberId: member, bookId: book))
        return try #require(Int(reserved.outcome?.id ?? ""), "no rental created: \(String(describing: reserved.outcome))")
    }

    static func state(_ harness: HandlerHarness, _ id: Int) async throws -> String? {
        try await harness.query("SELECT req_state FROM rentals WHERE id = \(id)", String.self).first
    }

    @Test func aPaidReservationIsStoredAndAnnouncedAndARedeliveryChangesNothing() async throws {
        try await Self.withRental { harness in
            let envelope = Envelope(type: Rental.Reserve.type)
            let first = try await harness.handle(Rental.Reserve(memberId: 3, bookId: 8), envelope: envelope)
            let again = try await harness.handle(Rental.Reserve(memberId: 3, bookId: 8), envelope: envelope)
            let id = try #require(Int(first.outcome?.id ?? ""))
            #expect(id == 1, "the first reservation is rental 1, claimed before payment was asked")
            #expect(first.outcome?.resource?["reqState"] == .string("reserve"))
            #expect(try first.emitted(Rental.Reserved.self).map { [$0.rentalId, $0.memberId, $0.bookId] as [Int] } == [[id, 3, 8]] as [[Int]])
            #expect(again.duplicate && again.outcome == first.outcome, "the stored outcome is answered again")
            #expect(try await harness.query("SELECT count(*)::bigint FROM rentals", Int.self) == [1])
        }
    }

    @Test func aPaymentTimeoutIsUnavailableVoidsThePaymentAndStoresNoRental() async throws {
        try await HandlerHarness.with(Rental.context(settings: Settings()), topology: Self.topology) { harness in
            harness.stub(Payment.Pay.self) { _ throws(RPCError) in throw .timedOut(target: "payment.Pay", after: .seconds(2)) }
            let handled = try await harness.handle(Rental.Reserve(memberId: 1, bookId: 1))
            #expect(handled.outcome?.refusal?.kind == .unavailable)
            #expect(handled.outcome?.refusal?.reason.contains("the payment is voided, nothing is charged") == true)
            #expect(try handled.emitted(Payment.VoidPayment.self).count == 1, "the ambiguous payment is voided")
            #expect(try handled.emitted(Rental.Reserved.self).isEmpty)
            #expect(try await harness.query("SELECT count(*)::bigint FROM rentals", Int.self) == [0])
            #expect(try await harness.query("SELECT refusal FROM refused_reservations", String.self) == ["unavailable"])
        }
    }

    @Test func everyMoveIsMadeOrRefusedWithTheReason() async throws {
        try await Self.withRental { harness in
            let rented = try await Self.reserve(harness)
            let cancelled = try await Self.reserve(harness)

            // Allowed: reserve → rental → return; reserve → cancel. Each announced once.
            let rental = try await harness.handle(Rental.ChangeRental(id: rented, reqState: "rental"))
            #expect(rental.outcome?.resource?["reqState"] == .string("rental"))
            #expect(try rental.emitted(Rental.Rentaled.self).map(\.rentalId) == [rented])
            let cancel = try await harness.handle(Rental.ChangeRental(id: cancelled, reqState: "cancel"))
            #expect(try cancel.emitted(Rental.Cancelled.self).map(\.rentalId) == [cancelled])

            // Disallowed: 409 naming the state and its moves; nothing changes, nothing announced.
            let early = try await harness.handle(Rental.ChangeRental(id: cancelled, reqState: "rental"))
            #expect(early.outcome?.refusal == .init(kind: .conflict,
                reason: "rental \(cancelled) is `cancel`: it cannot move to `rental`; it is final, no move is allowed from it"))
            let kiosk = try await harness.handle(Rental.ChangeRental(id: rented, reqState: "kioskreturn"))
            #expect(kiosk.outcome?.refusal == .init(kind: .conflict,
                reason: "rental \(rented) is `rental`: it cannot move to `kioskreturn`; the only move allowed from it is to `return`"))
            #expect(early.emitted.isEmpty && kiosk.emitted.isEmpty)

            let returned = try await harness.handle(Rental.ChangeRental(id: rented, reqState: "return"))
            #expect(try returned.emitted(Rental.Returned.self).map(\.rentalId) == [rented])
            #expect(try await Self.state(harness, rented) == "return")

            // The same state again (a retried PATCH): 200, nothing announced.
            let retried = try await harness.handle(Rental.ChangeRental(id: rented, reqState: "return"))
            #expect(retried.outcome?.result == .done && retried.emitted.isEmpty)

            // Unknown state 400, unknown rental 404.
            let unknown = try await harness.handle(Rental.ChangeRental(id: rented, reqState: "returned"))
            #expect(unknown.outcome?.refusal?.kind == .invalid)
            #expect(unknown.outcome?.refusal?.reason.hasPrefix("`reqState` must be one of") == true)
            let missing = try await harness.handle(Rental.ChangeRental(id: 42, reqState: "rental"))
            #expect(missing.outcome?.refusal == .init(kind: .notFound, reason: "no rental 42"))
        }
    }

    @Test func eventVersionsGrowSoTheViewsKeepTheLatest() async throws {
        try await Self.withRental { harness in
            let reserved = try await harness.handle(Rental.Reserve(memberId: 1, bookId: 1))
            let id = try #require(Int(reserved.outcome?.id ?? ""))
            let rented = try await harness.handle(Rental.ChangeRental(id: id, reqState: "rental"))
            let returned = try await harness.handle(Rental.ChangeRental(id: id, reqState: "return"))
            let versions = [try reserved.emitted(Rental.Reserved.self)[0].version, try rented.emitted(Rental.Rentaled.self)[0].version,
                            try returned.emitted(Rental.Returned.self)[0].version]
            #expect(versions == versions.sorted() && Set(versions).count == 3, "\(versions)")
        }
    }

    @Test func aKioskRentalIsMadeOnlyWhenTheKioskTookIt() async throws {
        try await Self.withRental { harness in
            let id = try await Self.reserve(harness, member: 2, book: 5)
            let rented = try await harness.handle(Rental.ChangeRental(id: id, reqState: "kioskrental", kioskNo: 1))
            #expect(rented.outcome?.resource?["kioskNo"] == .integer(1))
            let event = try #require(try rented.emitted(Rental.KioskRentaled.self).first)
            #expect([event.rentalId, event.memberId, event.bookId, event.kioskNumber] as [Int] == [id, 2, 5, 1])
            #expect(try rented.emitted(Kiosk.VoidSelfRental.self).isEmpty, "the self rental was taken")

            let returned = try await harness.handle(Rental.ChangeRental(id: id, reqState: "kioskreturn"))
            #expect(try returned.emitted(Rental.KioskReturned.self).map(\.kioskNumber) == [1], "returned where it was rented")

            // A kioskrental without a kiosk is a 400 and asks no kiosk.
            let other = try await Self.reserve(harness)
            let noKiosk = try await harness.handle(Rental.ChangeRental(id: other, reqState: "kioskrental"))
            #expect(noKiosk.outcome?.refusal?.kind == .invalid)
            #expect(noKiosk.outcome?.refusal?.reason.contains("`kioskNo`") == true)
        }
    }

    @Test func aSelfRentalTheStateMachineDoesNotAllowIsVoided() async throws {
        try await Self.withRental { harness in
            let id = try await Self.reserve(harness)
            _ = try await harness.handle(Rental.ChangeRental(id: id, reqState: "rental"))
            let envelope = Envelope(type: Rental.ChangeRental.type)
            let refused = try await harness.handle(Rental.ChangeRental(id: id, reqState: "kioskrental", kioskNo: 2), envelope: envelope)
            #expect(refused.outcome?.refusal?.kind == .conflict)
            #expect(try refused.emitted(Kiosk.VoidSelfRental.self).map(\.requestId) == [1],
                    "the kiosk's accepted attempt is undone with the refusal")
            #expect(try await Self.state(harness, id) == "rental")
        }
    }

    @Test func withTheKioskDownTheRentalIsUnchangedAndTheAttemptVoided() async throws {
        try await Self.withRental { harness in
            let id = try await Self.reserve(harness)
            harness.stub(Kiosk.SelfRental.self) { _ throws(RPCError) in throw .timedOut(target: "kiosk.SelfRental", after: .seconds(2)) }
            let down = try await harness.handle(Rental.ChangeRental(id: id, reqState: "kioskrental", kioskNo: 1))
            #expect(down.outcome?.refusal?.kind == .unavailable)
            #expect(down.outcome?.refusal?.reason.contains("the rental is unchanged") == true, "\(String(describing: down.outcome))")
            #expect(try down.emitted(Kiosk.VoidSelfRental.self).count == 1, "the runtime's compensation")
            #expect(try down.emitted(Rental.KioskRentaled.self).isEmpty)
            #expect(try await Self.state(harness, id) == "reserve")

            harness.stub(Kiosk.SelfRental.self) { _ in .refused("there is no kiosk 99: the kiosks are numbered 1 to 10") }
            let unknownKiosk = try await harness.handle(Rental.ChangeRental(id: id, reqState: "kioskrental", kioskNo: 99))
            #expect(unknownKiosk.outcome?.refusal == .init(kind: .invalid, reason: "there is no kiosk 99: the kiosks are numbered 1 to 10"))
            #expect(try await Self.state(harness, id) == "reserve")
        }
    }
}
