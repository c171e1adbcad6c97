import Warren

extension Rental {
    /// The rental worker: `warren worker library/rental`.
    static func context(settings: Settings) -> BoundedContext {
        var context = BoundedContext("rental", system: LibrarySystem.name, migrations: migrations)
        context.on(Reserve.self, before: { request, calls in
            try await askPayment(request, deadline: settings.paymentDeadline, calls)
        }) { request, answer, handling in
            try await store(request, answer, handling)
        }
        context.on(ChangeRental.self, before: { change, calls in
            try await askKiosk(change, deadline: settings.kioskDeadline, calls)
        }) { change, kiosk, handling in
            try await move(change, kiosk, handling)
        }
        return context
    }

    // MARK: Reservations

    /// The id of the rental a `Reserve` creates (1, 2, 3…): the same for every delivery of it,
    /// claimed before payment is asked (`Calls.claimId`).
    static func rentalId(_ calls: Calls) async throws -> Int { try await calls.claimId("rentals") }

    /// The id of one kiosk rental attempt (`kiosk.SelfRental`'s `requestId`), likewise.
    static func attemptId(_ calls: Calls) async throws -> Int { try await calls.claimId("kiosk-attempts") }

    /// Payment's answer to a reservation, obtained before the delivery's transaction opens.
    struct PaymentAnswer: Sendable {
        enum Verdict: Sendable {
            case paid
            case refused(reason: String)
            case unavailable(reason: String)
        }
        var rentalId: Int
        var verdict: Verdict
    }

    static func askPayment(_ request: Reserve, deadline: Duration?, _ calls: Calls) async throws -> PaymentAnswer {
        let rentalId = try await rentalId(calls)
        let payment = Payment.Pay(rentalId: rentalId, memberId: request.memberId, bookId: request.bookId)
        switch await calls.result(of: payment, deadline: deadline) {
        case .success(let reply) where reply.paid:
            return PaymentAnswer(rentalId: rentalId, verdict: .paid)
        case .success(let reply):
            return PaymentAnswer(rentalId: rentalId, verdict: .refused(reason: reply.reason ?? "payment refused"))
        case .failure(let error):
            return PaymentAnswer(rentalId: rentalId, verdict: .unavailable(reason: error.reasonForClient(afterTimeout: "the payment is voided, nothing is charged")))
        }
    }

    /// Paid: the rental is stored as `reserve` and announced. Otherwise only a refused record is
    /// kept; after a timeout the runtime has already sent `VoidPayment`, so a late payment is
    /// refunded by payment.
    static func store(_ request: Reserve, _ answer: PaymentAnswer, _ handling: Handling) async throws {
        let rentals = Rentals(database: handling.database)
        switch answer.verdict {
        case .paid:
            let rental = RentalRecord(id: answer.rentalId, memberId: request.memberId, bookId: request.bookId,
                                      reqState: RentalState.reserve.rawValue)
            guard try await rentals.insert(rental) else {
                handling.respond(.refused(.conflict, "rental id \(answer.rentalId) is taken: send the request again with another message id"))
                return
            }
            try handling.publish(Reserved(rentalId: rental.id, memberId: rental.memberId, bookId: rental.bookId,
                                          version: try await rentals.nextVersion()))
            handling.respond(try .created(id: rental.id, rental))
        case .refused(let reason):
            try await rentals.recordRefusal(answer.rentalId, of: request, refusal: "refused", reason: reason)
            handling.respond(.refused(.declined, reason))
        case .unavailable(let reason):
            try await rentals.recordRefusal(answer.rentalId, of: request, refusal: "unavailable", reason: reason)
            handling.logger.warning("reservation refused: payment unavailable", metadata: ["rental.id": "\(answer.rentalId)"])
            handling.respond(.refused(.unavailable, reason))
        }
    }
}
