import Foundation
import Testing
import Warren
import WarrenTesting
@testable import HotelSystem

extension HotelScenarios {
    /// Replicas and disorder: every effect happens exactly once and the views end the same.
    @Suite struct Load {
        @Test func threePaymentReplicasShareTheCallsAndChargeEachBookingOnce() async throws {
            try await HotelFleet.with(running: ["order", "reservation"]) { fleet in
                for _ in 0..<3 { try await fleet.start("payment") }

                let ids = try await withThrowingTaskGroup(of: Int.self) { group in
                    for client in 0..<30 {
                        group.addTask { try await fleet.book("guest \(client)", cardNo: "4111 1111 1111 \(1000 + client)").createdId() }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(Set(ids).count == 30)
                #expect(try await fleet.count("payment.payment_histories") == 30, "one payment per booking")
                #expect(try await fleet.count("(SELECT DISTINCT order_id FROM payment.payment_histories) AS paid") == 30)
                try await fleet.expectEveryPaidBookingReservedAndNothingElseCharged("thirty bookings, paid and reserved once")
                try await fleet.eventually("the broker shows each replica took some of the calls") {
                    let deliveries = try await fleet.deliveriesPerConsumer(of: "payment.rpc")
                    return deliveries.count == 3 && deliveries.allSatisfy { $0 > 0 }
                }
            }
        }

        @Test func eventsShuffledAndDuplicatedIntoTheViewsEndTheSame() async throws {
            try await HotelFleet.with(running: ["customer"]) { fleet in
                // One confirmed booking's story and one rejected booking's story.
                func confirmed(_ id: Int) -> [any Warren.Message] {
                    [Order.Ordered(orderId: id, name: "BJ.Kang", cardNo: "**1"),
                     Payment.PaymentApproved(paymentId: id, orderId: id, cardNo: "**1"),
                     Reservation.ReservationCompleted(reservationId: id, orderId: id),
                     Hotel.ReservationConfirmed(confirmationId: id, orderId: id, reservationId: id)]
                }
                func rejected(_ id: Int) -> [any Warren.Message] {
                    confirmed(id).dropLast() + [
                        Hotel.ReservationRejected(confirmationId: id, orderId: id, reservationId: id),
                        Order.OrderCanceled(orderId: id, name: "BJ.Kang", cardNo: "**1", paid: true, reason: Order.Cause.hotel),
                        Payment.PaymentCanceled(paymentId: id, orderId: id, cancellationId: id, cardNo: "**1"),
                        Reservation.ReservationCanceled(reservationId: id, orderId: id),
                    ]
                }
                // In their order, once: bookings 1 and 2.
                for event in confirmed(1) + rejected(2) { try await fleet.publish(event, Envelope(type: "")) }
                // Bookings 3 and 4: shuffled, each event three times: twice as one message (a
                // redelivery keeps its message id, the inbox skips it) and once more as a new
                // message (a republished copy, which only the views' ranks absorb).
                let copies = (confirmed(3) + rejected(4)).flatMap { event in
                    let envelope = Envelope(type: "")
                    return [(event, envelope), (event, envelope), (event, Envelope(type: ""))]
                }
                for (event, envelope) in copies.shuffled() { try await fleet.publish(event, envelope) }

                try await fleet.eventually("every event is in the views") {
                    try await fleet.count("customer.notifications") == 2 * (4 + 7)
                }
                try await fleet.eventually("the confirmed story ends the same in any order") {
                    let (shuffled, inOrder) = (try await fleet.views(of: 3), try await fleet.views(of: 1))
                    return shuffled == inOrder && inOrder.mypage == "Confirmed|BJ.Kang|true|false"
                }
                try await fleet.eventually("the rejected story ends the same in any order") {
                    let (shuffled, inOrder) = (try await fleet.views(of: 4), try await fleet.views(of: 2))
                    return shuffled == inOrder && inOrder.mypage == "Canceled|BJ.Kang|true|true"
                }
                #expect(try await fleet.views(of: 2).hotelView == "Canceled|BJ.Kang|true")
            }
        }
    }
}

extension HotelFleet {
    /// Publishes an event as its context would, with `envelope`'s message id (its type is set).
    nonisolated func publish(_ event: any Warren.Message, _ envelope: Envelope) async throws {
        func send<M: Warren.Message>(_ event: M) async throws {
            var envelope = envelope
            envelope.type = M.type
            try await harness.publish(event, envelope: envelope)
        }
        try await send(event)
    }

    /// A booking's rows in the customer context's views (the only context running there).
    nonisolated func views(of orderId: Int) async throws -> Views {
        Views(mypage: try await mypage(of: orderId), hotelView: try await hotelView(of: orderId),
              notifications: try await notifications(about: orderId))
    }

    struct Views: Equatable {
        var mypage: String?
        var hotelView: String?
        var notifications: [String]
    }
}
