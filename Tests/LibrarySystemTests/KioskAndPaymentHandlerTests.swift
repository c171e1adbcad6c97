import Foundation
import Testing
import Warren
import WarrenTesting
@testable import LibrarySystem

/// Payment's and the kiosk's handlers with an in-memory transport (PostgreSQL is real).
@Suite struct KioskAndPaymentHandlerTests {
    static let topology = TopologyConformanceTests.topology

    @Test func aPaymentIsMadeOnceRefundedOnceAndAVoidBeforeItRefusesIt() async throws {
        try await HandlerHarness.with(Payment.context(settings: Settings()), topology: Self.topology) { harness in
            let paid = try await harness.handle(Payment.Pay(rentalId: 10, memberId: 1, bookId: 2))
            #expect(try paid.reply?.decode(Payment.PayReply.self).paid == true)
            #expect(try paid.emitted(Payment.Paid.self).map(\.rentalId) == [10])
            let twice = try await harness.handle(Payment.Pay(rentalId: 10, memberId: 1, bookId: 2))
            #expect(try twice.reply?.decode(Payment.PayReply.self).reason == "rental 10 is already paid")

            let cancelled = Rental.Cancelled(rentalId: 10, memberId: 1, bookId: 2, version: 5)
            let refunded = try await harness.handle(cancelled)
            #expect(try refunded.emitted(Payment.PaymentCancelled.self).map(\.rentalId) == [10])
            let again = try await harness.handle(cancelled)
            #expect(again.emitted.isEmpty, "refunded once")
            #expect(try await harness.query("SELECT status FROM payments", String.self) == ["PaymentCancelled"])

            _ = try await harness.handle(Payment.VoidPayment(rentalId: 11))
            let late = try await harness.handle(Payment.Pay(rentalId: 11, memberId: 1, bookId: 2))
            #expect(try late.reply?.decode(Payment.PayReply.self).paid == false, "a voided payment is never made")
            #expect(late.emitted.isEmpty)
        }
    }

    @Test func aKioskRefusesUnknownKiosksTakenRentalsAndVoidedAttempts() async throws {
        var settings = Settings()
        settings.kioskCount = 3
        try await HandlerHarness.with(Kiosk.context(settings: settings), topology: Self.topology) { harness in
            func reply(_ request: Kiosk.SelfRental) async throws -> Kiosk.SelfRentalReply {
                try #require(try await harness.handle(request).reply?.decode(Kiosk.SelfRentalReply.self))
            }
            #expect(try await reply(Kiosk.SelfRental(requestId: 1, rentalId: 7, kioskNo: 2)) == .accepted)
            #expect(try await reply(Kiosk.SelfRental(requestId: 2, rentalId: 8, kioskNo: 4))
                    == .refused("there is no kiosk 4: the kiosks are numbered 1 to 3"))

            _ = try await harness.handle(Kiosk.VoidSelfRental(requestId: 3))
            #expect(try await reply(Kiosk.SelfRental(requestId: 3, rentalId: 9, kioskNo: 1)).rented == false, "voided before it came")

            // Rental 7 took it: a second attempt for rental 7 is refused.
            _ = try await harness.handle(Rental.KioskRentaled(rentalId: 7, memberId: 1, bookId: 5, kioskNumber: 2, version: 2))
            #expect(try await reply(Kiosk.SelfRental(requestId: 4, rentalId: 7, kioskNo: 1))
                    == .refused("rental 7 was already taken at kiosk 2"))
        }
    }

    @Test func selfRentalsAndReturnsAreAnnouncedOnceInAnyOrder() async throws {
        try await HandlerHarness.with(Kiosk.context(settings: Settings()), topology: Self.topology) { harness in
            let rentaled = Rental.KioskRentaled(rentalId: 7, memberId: 1, bookId: 5, kioskNumber: 2, version: 2)
            let returned = Rental.KioskReturned(rentalId: 7, memberId: 1, bookId: 5, kioskNumber: 3, version: 3)
            let first = try await harness.handle(returned)
            let second = try await harness.handle(rentaled)
            let third = try await harness.handle(rentaled, envelope: Envelope(type: Rental.KioskRentaled.type))
            #expect(try first.emitted(Kiosk.SelfReturned.self).map(\.kioskNo) == [3])
            #expect(try second.emitted(Kiosk.SelfRentaled.self).map(\.kioskNo) == [2])
            #expect(third.emitted.isEmpty, "the same fact published again is announced once")
            #expect(try await harness.query("SELECT book_status || ' at ' || kiosk_no FROM kiosks", String.self) == ["returned at 3"])
        }
    }
}

