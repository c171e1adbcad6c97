import Foundation
import Testing
import Warren
import WarrenTesting
@testable import CleaningSystem

/// Issue 7's scenarios against real servers (`AMQP_URL`, `RABBITMQ_MANAGEMENT_URL`,
/// `DATABASE_URL`), at the command level: each sends the commands the ingress sends for the
/// HTTP requests named in its comments, and reads the views the GETs read. One at a time, so
/// that a loaded two-core machine runs one fleet of workers at once.
@Suite(.serialized) enum CleaningScenarios {}

extension CleaningScenarios {
    @Suite struct Bookings {
        @Test func aPaymentKindRegisteredShowsInTheMessagesAndTheDashboard() async throws {
            try await CleaningFleet.with { fleet in
                // http POST /paymethods kind=credit number=40095003 requestId=1 payKindRegStatus=PaymentKindRegistered
                let registered = try await fleet.registerCard("40095003", requestId: 1)
                #expect(registered.result == .created)
                #expect(registered.resource?["numberMasked"] == .string("****5003"), "the card number is shown masked")

                try await fleet.eventually("the message history tells of the card") {
                    try await fleet.messages(about: 1).contains("PaymentKindRegistered")
                }
                try await fleet.eventually("the dashboard shows the payment kind") {
                    try await fleet.dashboardStatus(of: 1) == "PaymentKindRegistered"
                }
                #expect(try await fleet.count("paymethod.paymethods WHERE number_masked LIKE '%4009%'") == 0,
                        "only the last four digits of a card are kept")
            }
        }

        @Test func aReservationIsPaidAssignedNotifiedThenCompleted() async throws {
            try await CleaningFleet.with { fleet in
                // http POST /cleaningReservations requestDate=2026-12-01 place=Seoul price=100 payKind=card
                let reserved = try await fleet.reserve(on: "2026-12-01", at: "Seoul", price: 100)
                let id = try reserved.createdId()
                #expect(reserved.resource?["status"] == .string("CleaningRequested"))
                #expect(try await fleet.paymentStatuses(of: id) == ["PaymentCompleted"], "paid before the answer")

                try await fleet.eventually("a cleaner is assigned and the dashboard says so") {
                    try await fleet.dashboardStatus(of: id) == "CleaningConfirmed"
                }
                try await fleet.eventually("the customer is told of the payment and the cleaner") {
                    try await fleet.messages(about: id) == ["PaymentCompleted", "CleaningConfirmed"]
                }

                // http POST /cleans requestId=<id> status=CleaningCompleted
                let completed = try await fleet.send(Cleaning.CompleteCleaning(requestId: id, status: "CleaningCompleted"))
                #expect(completed.result == .done)
                try await fleet.eventually("the dashboard shows the cleaning done") {
                    try await fleet.dashboardStatus(of: id) == "CleaningCompleted"
                }
                try await fleet.eventually("and a message thanks the customer") {
                    try await fleet.messages(about: id).last == "CleaningCompleted"
                }
            }
        }

        @Test func aDeclinedPaymentStoresNoReservation() async throws {
            try await CleaningFleet.with { fleet in
                // http POST /cleaningReservations ... price=0
                let declined = try await fleet.reserve(price: 0)
                #expect(declined.refusalKind == .declined)
                #expect(declined.refusal?.reason.contains("price 0 is not positive") == true, "\(declined)")
                #expect(try await fleet.count("reservation.cleaning_reservations") == 0)
                #expect(try await fleet.count("payment.payments") == 0)
                #expect(try await fleet.count("reservation.refused_requests WHERE refusal = 'declined'") == 1, "a rejected record is kept")
            }
        }

        @Test func aCancellationIsRefundedShownAndNotified() async throws {
            try await CleaningFleet.with { fleet in
                let id = try await fleet.reserve(on: "2026-12-02", at: "Busan", price: 200).createdId()
                try await fleet.eventually("the cleaning is confirmed") { try await fleet.dashboardStatus(of: id) == "CleaningConfirmed" }

                // http DELETE /cleaningReservations/<id>
                let cancelled = try await fleet.send(Reservation.CancelCleaning(id: id))
                #expect(cancelled.result == .done)
                #expect(try await fleet.reservationStatus(of: id) == "CleaningRequestCanceled")

                try await fleet.eventually("the payment is refunded") { try await fleet.paymentStatuses(of: id) == ["PaymentCancelCompleted"] }
                try await fleet.eventually("the dashboard shows the refund") { try await fleet.dashboardStatus(of: id) == "PaymentCancelCompleted" }
                try await fleet.eventually("a message tells of the refund") {
                    try await fleet.messages(about: id).contains("PaymentCancelCompleted")
                }
                try await fleet.eventually("the cleaner is freed") { try await fleet.cleaningStatus(of: id) == "CleaningCanceled" }

                // Cancelling again (a retried DELETE) changes nothing and refunds nothing twice.
                #expect(try await fleet.send(Reservation.CancelCleaning(id: id)).result == .done)
                #expect(try await fleet.count("payment.payments WHERE request_id = \(id)") == 1)
            }
        }

        @Test func withoutCapacityTheReservationIsCancelledAndRefundedAutomatically() async throws {
            try await CleaningFleet.with(settings: .scenario.with { $0.capacityPerDay = 1 }) { fleet in
                let first = try await fleet.reserve(on: "2026-12-03", at: "Incheon").createdId()
                let second = try await fleet.reserve(on: "2026-12-03", at: "Suwon").createdId()

                // One cleaner that day: one reservation is served, the other compensated.
                try await fleet.eventually("one is confirmed, the other cancelled and refunded") {
                    let statuses = [try await fleet.reservationStatus(of: first), try await fleet.reservationStatus(of: second)]
                    return statuses.contains("CleaningRequested") && statuses.contains("CleaningRequestCanceled")
                }
                let rejected = try await fleet.reservationStatus(of: first) == "CleaningRequestCanceled" ? first : second
                let served = rejected == first ? second : first
                try await fleet.eventually("the rejected one's payment is refunded") {
                    try await fleet.paymentStatuses(of: rejected) == ["PaymentCancelCompleted"]
                }
                try await fleet.eventually("the dashboard and the messages tell of it") {
                    let dashboard = try await fleet.dashboardStatus(of: rejected)
                    let messages = try await fleet.messages(about: rejected)
                    return dashboard == "PaymentCancelCompleted" && messages.contains("CleaningRejected")
                }
                #expect(try await fleet.cleaningStatus(of: served) == "CleaningConfirmed")
                #expect(try await fleet.paymentStatuses(of: served) == ["PaymentCompleted"])
            }
        }
    }
}
