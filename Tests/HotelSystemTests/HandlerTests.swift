import Foundation
import Testing
import Warren
import WarrenTesting
@testable import HotelSystem

/// Handlers with an in-memory transport (PostgreSQL is real): each rule the scenarios rely on.
@Suite struct HandlerTests {
    static let topology = TopologyConformanceTests.topology

    @Test func aPaymentIsMadeOnceRefundedOnceAndAVoidBeforeItDeclinesIt() async throws {
        try await HandlerHarness.with(Payment.context(settings: Settings()), topology: Self.topology) { harness in
            func reply(_ request: Payment.Pay) async throws -> (Payment.PayReply, [Payment.PaymentApproved]) {
                let handled = try await harness.handle(request)
                return (try #require(try handled.reply?.decode(Payment.PayReply.self)), try handled.emitted(Payment.PaymentApproved.self))
            }
            let (paid, approved) = try await reply(Payment.Pay(orderId: 10, name: "BJ.Kang", cardNo: "4111111111111111"))
            #expect(paid.approved && paid.status == "Pay OK")
            #expect(approved.map(\.cardNo) == ["************1111"], "the event carries the masked card")
            #expect(try await reply(Payment.Pay(orderId: 10, name: "BJ.Kang", cardNo: "111")).0.reason == "order 10 is already paid")
            #expect(try await harness.query("SELECT card_no FROM payment_histories", String.self) == ["************1111"])

            let canceled = Order.OrderCanceled(orderId: 10, name: "BJ.Kang", cardNo: "************1111", paid: true, reason: Order.Cause.customer)
            let refunded = try await harness.handle(canceled)
            #expect(try refunded.emitted(Payment.PaymentCanceled.self).map(\.orderId) == [10])
            #expect(try await harness.handle(canceled).emitted.isEmpty, "refunded once")
            #expect(try await harness.query("SELECT status FROM payment_histories", String.self) == ["Pay Canceled"])

            _ = try await harness.handle(Payment.VoidPayment(orderId: 11))
            let (late, none) = try await reply(Payment.Pay(orderId: 11, name: "BJ.Kang", cardNo: "111"))
            #expect(!late.approved && none.isEmpty, "a voided payment is never made")

            let (declined, _) = try await reply(Payment.Pay(orderId: 12, name: "BJ.Kang", cardNo: "4000000000000002"))
            #expect(declined == .declined("the card ************0002 was declined by its issuer"))
        }
    }

    @Test func aBookingIsStoredOnlyWhenPaymentAnswersAndADeclinedOneIsRecordedCancelled() async throws {
        try await HandlerHarness.with(Order.context(settings: Settings()), topology: Self.topology) { harness in
            harness.stub(Payment.Pay.self) { pay in
                pay.cardNo == "222" ? .declined("the card **2 was declined by its issuer") : .approved(paymentId: 1)
            }
            let placed = try await harness.handle(Order.PlaceOrder(name: "BJ.Kang", cardNo: "111", status: "order start"))
            let outcome = try #require(placed.outcome)
            #expect(outcome.result == .created && outcome.resource?["cardNo"] == .string("**1"))
            #expect(try placed.emitted(Order.Ordered.self).map(\.cardNo) == ["**1"])

            let declined = try await harness.handle(Order.PlaceOrder(name: "BJ.Kang", cardNo: "222"))
            #expect(declined.outcome?.refusal?.kind == .declined)
            #expect(try declined.emitted(Order.OrderCanceled.self).map(\.paid) == [false])
            #expect(try await harness.query("SELECT status FROM orders ORDER BY status", String.self) == ["OrderCanceled", "Ordered"])

            let invalid = try await harness.handle(Order.PlaceOrder(name: "BJ.Kang", cardNo: "not a card"))
            #expect(invalid.outcome?.refusal == Outcome.Refusal(kind: .invalid, reason: CardNumber.invalid))
            #expect(invalid.emitted.isEmpty)

            let id = try #require(Int(outcome.id ?? ""))
            let cancel = try await harness.handle(Order.ChangeOrder(id: id, status: "cancel"))
            #expect(cancel.outcome?.resource?["status"] == .string("OrderCanceled"))
            #expect(try cancel.emitted(Order.OrderCanceled.self).map(\.reason) == [Order.Cause.customer])
            #expect(try await harness.handle(Order.CancelOrder(id: id)).emitted.isEmpty, "cancelled once")
            #expect(try await harness.handle(Order.ChangeOrder(id: id, status: "Confirmed")).outcome?.refusal?.kind == .invalid)
            #expect(try await harness.handle(Order.CancelOrder(id: 999)).outcome?.refusal == Outcome.Refusal(kind: .notFound, reason: "no order 999"))
        }
    }

    @Test func aReservationIsMadeForAPaidBookingAndNeverForACancelledOne() async throws {
        try await HandlerHarness.with(Reservation.context(), topology: Self.topology) { harness in
            let approved = Payment.PaymentApproved(paymentId: 1, orderId: 20, cardNo: "**1")
            let made = try await harness.handle(approved)
            let completed = try made.emitted(Reservation.ReservationCompleted.self)
            #expect(completed.map(\.orderId) == [20])
            #expect(try await harness.handle(approved, envelope: Envelope(type: Payment.PaymentApproved.type)).emitted.isEmpty,
                    "the same fact published again makes no second reservation")

            let canceled = Order.OrderCanceled(orderId: 20, name: "BJ.Kang", cardNo: "**1", paid: true, reason: Order.Cause.customer)
            #expect(try await harness.handle(canceled).emitted(Reservation.ReservationCanceled.self).map(\.reservationId)
                    == completed.map(\.reservationId))
            #expect(try await harness.query("SELECT count(*)::bigint FROM reservations", Int.self) == [0])

            // Cancelled before its payment's event arrived: no reservation at all.
            _ = try await harness.handle(Order.OrderCanceled(orderId: 21, name: "A", cardNo: "**1", paid: true, reason: Order.Cause.hotel))
            #expect(try await harness.handle(Payment.PaymentApproved(paymentId: 2, orderId: 21, cardNo: "**1")).emitted.isEmpty)

            // A payment voided after order gave up waiting: no booking, so no OrderCanceled; the
            // refund alone deletes the reservation its approval made (bench/chaos's finding).
            let late = try await harness.handle(Payment.PaymentApproved(paymentId: 3, orderId: 22, cardNo: "**1"))
            let lateReservation = try late.emitted(Reservation.ReservationCompleted.self).map(\.reservationId)
            #expect(lateReservation.count == 1)
            let voided = Payment.PaymentCanceled(paymentId: 3, orderId: 22, cancellationId: 1, cardNo: "**1")
            #expect(try await harness.handle(voided).emitted(Reservation.ReservationCanceled.self).map(\.reservationId) == lateReservation)
            #expect(try await harness.query("SELECT count(*)::bigint FROM reservations WHERE order_id = 22", Int.self) == [0])
        }
    }

    @Test func theHotelConfirmsWhatItSawCompleteAndItsRejectionIsAnnounced() async throws {
        try await HandlerHarness.with(Hotel.context(), topology: Self.topology) { harness in
            let unseen = try await harness.handle(Hotel.ConfirmReservation(orderId: 1, status: "Confirmed"))
            #expect(unseen.outcome?.refusal?.kind == .conflict)

            _ = try await harness.handle(Reservation.ReservationCompleted(reservationId: 5, orderId: 30))
            let confirmed = try await harness.handle(Hotel.ConfirmReservation(orderId: 30, status: "Confirmed"))
            #expect(confirmed.outcome?.result == .created)
            #expect(try confirmed.emitted(Hotel.ReservationConfirmed.self).map(\.reservationId) == [5])
            let again = try await harness.handle(Hotel.ConfirmReservation(orderId: 30, status: "Confirmed"))
            #expect(again.outcome?.result == .done && again.emitted.isEmpty)

            let rejected = try await harness.handle(Hotel.ConfirmReservation(orderId: 30, status: "Canceled"))
            #expect(try rejected.emitted(Hotel.ReservationRejected.self).map(\.orderId) == [30])
            // The compensation deletes the reservation; the operator's row keeps the rejection.
            _ = try await harness.handle(Reservation.ReservationCanceled(reservationId: 5, orderId: 30))
            #expect(try await harness.query("SELECT status FROM confirmations", String.self) == ["Canceled"])

            _ = try await harness.handle(Reservation.ReservationCanceled(reservationId: 6, orderId: 31))
            _ = try await harness.handle(Reservation.ReservationCompleted(reservationId: 6, orderId: 31))
            let late = try await harness.handle(Hotel.ConfirmReservation(orderId: 31, status: "Confirmed"))
            #expect(late.outcome?.refusal == Outcome.Refusal(kind: .conflict, reason: "order 31's reservation was cancelled by its customer"))
            #expect(try await harness.handle(Hotel.ConfirmReservation(orderId: 30, status: "Maybe")).outcome?.refusal?.kind == .invalid)
        }
    }
}
