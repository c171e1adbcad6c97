import Foundation
import Testing
import Warren
import WarrenTesting
@testable import HotelSystem

/// Issue 19's scenarios against real servers (`AMQP_URL`, `RABBITMQ_MANAGEMENT_URL`,
/// `DATABASE_URL`), at the command level: each sends the commands the ingress sends for the
/// original's HTTPie requests named in its comments, and reads the tables the GETs read. One at
/// a time, so that a loaded two-core machine runs one fleet of workers at once.
@Suite(.serialized) enum HotelScenarios {}

extension HotelScenarios {
    @Suite struct Bookings {
        @Test func aBookingIsPaidCompletedConfirmedAndShownInMypagesAndHotelViews() async throws {
            try await HotelFleet.with { fleet in
                // http :8080/orders name="BJ.Kang" cardNo=111 status="order start"
                let booked = try await fleet.book("BJ.Kang", cardNo: "111")
                let id = try booked.createdId()
                #expect(booked.resource?["status"] == .string("Ordered"))
                #expect(booked.resource?["cardNo"] == .string("**1"), "the card number is answered masked")
                #expect(try await fleet.paymentStatuses(of: id) == ["Pay OK"], "paid before the answer")

                try await fleet.eventually("the reservation is completed and the hotel has seen it") {
                    let booking = try await fleet.booking(id)
                    return booking.reservation == "Reservation Complete" && booking.confirmation == "Reservation Complete"
                }
                // http :8080/confirmations orderId=<id> status="Confirmed"
                let confirmed = try await fleet.decide(id, "Confirmed")
                #expect(confirmed.result == .created, "\(confirmed)")
                #expect(confirmed.resource?["status"] == .string("Confirmed"))
                #expect(try await fleet.decide(id, "Confirmed").result == .done, "confirming twice changes nothing")

                // http :8080/mypages ; http :8080/hotelViews
                try await fleet.eventually("mypages and hotelViews show the booking confirmed") {
                    let booking = try await fleet.booking(id)
                    return booking.mypage == "Confirmed|BJ.Kang|true|false" && booking.hotelView == "Confirmed|BJ.Kang|true"
                }
                try await fleet.eventually("the notification history tells each step once") {
                    try await fleet.notifications(about: id) == ["Ordered", "PaymentApproved", "ReservationCompleted", "ReservationConfirmed"]
                }
                #expect(try await fleet.count("customer.notifications WHERE message LIKE '%111%'") == 0, "no card number in a notification")
            }
        }

        @Test func aDeclinedCardIsAnswered402AndTheBookingRecordedCancelledAndBadInputIsNamed() async throws {
            try await HotelFleet.with(running: ["payment", "order", "hotel"]) { fleet in
                // http :8080/orders name="BJ.Kang" cardNo=4000000000000002 (the issuer declines it)
                let declined = try await fleet.book("BJ.Kang", cardNo: "4000-0000-0000-0002")
                #expect(declined.refusalKind == .declined, "\(declined)")
                #expect(declined.refusal?.reason.contains("************0002") == true, "\(declined)")
                #expect(declined.refusal?.reason.contains("4000000000000002") == false, "the reason never shows the card whole")
                #expect(try await fleet.count("\"order\".orders WHERE status = 'OrderCanceled' AND card_no = '************0002'") == 1,
                        "a booking whose payment fails is cancelled (the original's rule)")
                #expect(try await fleet.count("payment.payment_histories") == 0, "nothing charged")

                // Bad input: 400 naming the field; an unknown booking: 404 or 409 with the reason.
                #expect(try await fleet.book("BJ.Kang", cardNo: "not a card").refusal?.reason.contains("`cardNo`") == true)
                #expect(try await fleet.book("  ", cardNo: "111").refusal?.reason.contains("`name`") == true)
                #expect(try await fleet.send(Order.CancelOrder(id: 42)).refusalKind == .notFound)
                let unseen = try await fleet.decide(42, "Confirmed")
                #expect(unseen.refusalKind == .conflict && unseen.refusal?.reason.contains("order 42") == true, "\(unseen)")
                #expect(try await fleet.decide(42, "Maybe").refusal?.reason.contains("`status`") == true)
                #expect(try await fleet.count("\"order\".orders") == 1, "only the declined booking is stored")
            }
        }

        @Test func aCustomerCancellationIsRefundedOnceAndTheReservationDeleted() async throws {
            try await HotelFleet.with { fleet in
                let deleted = try await fleet.book("BJ.Kang").createdId()
                let patched = try await fleet.book("Y.Lee", cardNo: "5555 5555 5555 4444").createdId()
                try await fleet.eventually("both bookings are reserved") {
                    let (first, second) = (try await fleet.reservationStatus(of: deleted), try await fleet.reservationStatus(of: patched))
                    return first != nil && second != nil
                }

                // http DELETE :8080/orders/<id> ; http PATCH :8080/orders/<id> status="cancel"
                let cancelled = try await fleet.send(Order.CancelOrder(id: deleted))
                #expect(cancelled.result == .done && cancelled.resource?["status"] == .string("OrderCanceled"), "\(cancelled)")
                #expect(try await fleet.send(Order.CancelOrder(id: deleted)).result == .done, "a second DELETE changes nothing")
                #expect(try await fleet.send(Order.ChangeOrder(id: patched, status: "cancel")).result == .done)
                #expect(try await fleet.send(Order.ChangeOrder(id: patched, status: "paid")).refusalKind == .invalid)

                for id in [deleted, patched] {
                    try await fleet.eventually("booking \(id): refunded, reservation deleted, the views updated") {
                        let booking = try await fleet.booking(id)
                        return booking.payments == ["Pay Canceled"] && booking.reservation == nil
                            && booking.mypage?.hasPrefix("OrderCanceled|") == true && booking.mypage?.hasSuffix("|true|true") == true
                            && booking.hotelView?.hasPrefix("Reservation Canceled|") == true
                            && booking.confirmation == "Reservation Canceled"
                    }
                }
                #expect(try await fleet.count("payment.cancellations") == 2, "each booking refunded once")
                let refused = try await fleet.decide(deleted, "Confirmed")
                #expect(refused.refusalKind == .conflict, "a cancelled booking cannot be confirmed: \(refused)")
            }
        }

        @Test func theOperatorsCancellationDrivesTheCompensation() async throws {
            try await HotelFleet.with { fleet in
                let id = try await fleet.book("BJ.Kang").createdId()
                try await fleet.eventually("the hotel has seen the reservation complete") {
                    try await fleet.confirmationStatus(of: id) == "Reservation Complete"
                }
                // http :8080/confirmations orderId=<id> status="Canceled"
                let rejected = try await fleet.decide(id, "Canceled")
                #expect(rejected.result == .created && rejected.resource?["status"] == .string("Canceled"), "\(rejected)")

                try await fleet.eventually("the booking is cancelled, refunded and its reservation deleted") {
                    let booking = try await fleet.booking(id)
                    return booking.order == "OrderCanceled" && booking.payments == ["Pay Canceled"] && booking.reservation == nil
                }
                try await fleet.eventually("both views say the hotel cancelled it") {
                    let booking = try await fleet.booking(id)
                    return booking.mypage?.hasPrefix("Canceled|BJ.Kang|") == true && booking.hotelView == "Canceled|BJ.Kang|true"
                }
                #expect(try await fleet.confirmationStatus(of: id) == "Canceled", "the deletion does not overwrite the operator's word")
                #expect(try await fleet.decide(id, "Confirmed").refusalKind == .conflict)
            }
        }
    }
}
