import Logging
import Warren

extension Reservation {
    /// The reservation worker: `warren worker reservation`.
    static func context(settings: Settings) -> BoundedContext {
        var context = BoundedContext("reservation", system: CleaningSystem.name, migrations: migrations)
        context.on(RequestCleaning.self, before: { request, calls in
            try await askPayment(request, deadline: settings.paymentDeadline, calls)
        }) { request, answer, handling in
            try await store(request, answer, handling)
        }
        context.on(CancelCleaning.self) { command, handling in
            switch try await cancel(command.id, reason: "cancelled by the customer", handling) {
            case .notFound: handling.respond(.refused(.notFound, "no reservation \(command.id)"))
            case .canceled, .alreadyCanceled: handling.respond(.done)
            }
        }
        context.on(ChangeReservation.self) { command, handling in
            guard ["cancel", "canceled", "cancelled", "reservationcancel", Status.canceled.lowercased()]
                .contains(command.status.lowercased()) else {
                handling.respond(.refused(.invalid, "`status` may only be `cancel`, got `\(command.status)`: a reservation's other fields cannot change"))
                return
            }
            switch try await cancel(command.id, reason: "cancelled by the customer", handling) {
            case .notFound: handling.respond(.refused(.notFound, "no reservation \(command.id)"))
            case .canceled(let reservation), .alreadyCanceled(let reservation): handling.respond(try .done(reservation))
            }
        }
        context.on(Cleaning.CleaningRejected.self) { rejected, handling in
            try await compensate(rejected, handling)
        }
        return context
    }

    /// Payment's answer to a request, obtained before the delivery's transaction opens.
    struct PaymentAnswer: Sendable {
        enum Verdict: Sendable {
            case approved
            case declined(reason: String)
            case unavailable(reason: String)
        }
        var requestId: Int
        var verdict: Verdict
    }

    static func askPayment(_ request: RequestCleaning, deadline: Duration?, _ calls: Calls) async throws -> PaymentAnswer {
        // 1, 2, 3…, the same for every delivery of this request (claimed before payment is asked).
        let requestId = try await calls.claimId("reservations")
        let approval = Payment.ApprovePayment(requestId: requestId, requestDate: request.requestDate, place: request.place,
                                              price: request.price, payKind: request.payKind)
        switch await calls.result(of: approval, deadline: deadline) {
        case .success(let reply) where reply.approved:
            return PaymentAnswer(requestId: requestId, verdict: .approved)
        case .success(let reply):
            return PaymentAnswer(requestId: requestId, verdict: .declined(reason: reply.reason ?? "payment declined"))
        case .failure(let error):
            return PaymentAnswer(requestId: requestId, verdict: .unavailable(reason: error.reasonForClient(afterTimeout: "the payment is voided, nothing is charged")))
        }
    }

    /// Approved: the reservation is stored and announced. Otherwise only a refused record is
    /// kept; after a timeout the runtime has already sent `VoidPayment`, so a late approval is
    /// refunded by payment.
    static func store(_ request: RequestCleaning, _ answer: PaymentAnswer, _ handling: Handling) async throws {
        let reservations = Reservations(database: handling.database)
        switch answer.verdict {
        case .approved:
            let reservation = CleaningReservation(id: answer.requestId, requestDate: request.requestDate, place: request.place,
                                                  price: request.price, payKind: request.payKind, status: Status.requested)
            guard try await reservations.insert(reservation) else {
                handling.respond(.refused(.conflict, "reservation id \(answer.requestId) is taken: send the request again with another message id"))
                return
            }
            try handling.publish(CleaningRequested(requestId: reservation.id, requestDate: reservation.requestDate,
                                                   place: reservation.place, price: reservation.price, payKind: reservation.payKind))
            handling.respond(try .created(id: reservation.id, reservation))
        case .declined(let reason):
            try await reservations.recordRefusal(answer.requestId, of: request, refusal: "declined", reason: reason)
            handling.respond(.refused(.declined, reason))
        case .unavailable(let reason):
            try await reservations.recordRefusal(answer.requestId, of: request, refusal: "unavailable", reason: reason)
            handling.logger.warning("reservation refused: payment unavailable", metadata: ["request.id": "\(answer.requestId)"])
            handling.respond(.refused(.unavailable, reason))
        }
    }

    enum Cancellation {
        case notFound
        case canceled(CleaningReservation)
        case alreadyCanceled(CleaningReservation)
    }

    /// Cancels a reservation once: the first cancellation publishes `CleaningRequestCanceled`
    /// (payment refunds, cleaning frees the slot), later ones change nothing.
    static func cancel(_ id: Int, reason: String, _ handling: Handling) async throws -> Cancellation {
        let reservations = Reservations(database: handling.database)
        guard var reservation = try await reservations.lock(id) else { return .notFound }
        guard reservation.status != Status.canceled else { return .alreadyCanceled(reservation) }
        reservation.status = Status.canceled
        try await reservations.setStatus(Status.canceled, of: id)
        try handling.publish(CleaningRequestCanceled(requestId: id, payKind: reservation.payKind, price: reservation.price,
                                                     reason: reason))
        return .canceled(reservation)
    }

    /// The compensation of a cleaning rejected for lack of capacity: the reservation cancels
    /// itself, which makes payment refund it.
    ///
    /// Payment announces `PayConfirmed` before the reservation's own transaction commits, so
    /// cleaning's rejection can overtake the reservation it rejects: an id that is neither a
    /// reservation nor a refused request yet is a transient failure, retried after a delay.
    static func compensate(_ rejected: Cleaning.CleaningRejected, _ handling: Handling) async throws {
        switch try await cancel(rejected.requestId, reason: rejected.reason, handling) {
        case .canceled, .alreadyCanceled:
            return
        case .notFound:
            if try await Reservations(database: handling.database).wasRefused(rejected.requestId) { return }
            throw NotStoredYet(requestId: rejected.requestId)
        }
    }

    struct NotStoredYet: Error, CustomStringConvertible {
        let requestId: Int
        var description: String { "reservation \(requestId) is not stored yet: its cleaning was rejected before the reservation committed" }
    }
}
