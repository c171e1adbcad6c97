import Warren

extension Rental {
    /// The kiosk's answer to a kiosk rental (nil for every other move, which asks no one).
    struct KioskAnswer: Sendable {
        enum Verdict: Sendable {
            case accepted
            case refused(reason: String)
            case unavailable(reason: String)
        }
        var requestId: Int
        var verdict: Verdict
    }

    /// Asks the kiosk first when the client asks for `kioskrental` with a kiosk number: the
    /// step has no database, so the move is checked against the state machine afterwards, in
    /// the transaction, and a self rental the rental does not take is voided there.
    static func askKiosk(_ change: ChangeRental, deadline: Duration?, _ calls: Calls) async throws -> KioskAnswer? {
        guard RentalState(requested: change.reqState) == .kioskrental, let kioskNo = change.kioskNo, kioskNo > 0 else { return nil }
        let requestId = try await attemptId(calls)
        let request = Kiosk.SelfRental(requestId: requestId, rentalId: change.id, kioskNo: kioskNo)
        switch await calls.result(of: request, deadline: deadline) {
        case .success(let reply) where reply.rented:
            return KioskAnswer(requestId: requestId, verdict: .accepted)
        case .success(let reply):
            return KioskAnswer(requestId: requestId, verdict: .refused(reason: reply.reason ?? "the kiosk refused the rental"))
        case .failure(let error):
            return KioskAnswer(requestId: requestId, verdict: .unavailable(
                reason: error.reasonForClient(afterTimeout: "the kiosk's rental is voided, the rental is unchanged")))
        }
    }

    /// Moves a rental as its state machine allows: 404 for an unknown rental, 400 for a state
    /// that does not exist (or a kiosk rental without a kiosk), 409 naming the current state and
    /// its moves, 503 when the kiosk could not be asked; otherwise 200 with the rental.
    static func move(_ change: ChangeRental, _ kiosk: KioskAnswer?, _ handling: Handling) async throws {
        let outcome = try await decide(change, kiosk, handling)
        if let kiosk, case .accepted = kiosk.verdict, !outcome.tookSelfRental {
            // The kiosk handed the book out for a move that is not made: undo it with the refusal.
            try handling.publish(Kiosk.VoidSelfRental(requestId: kiosk.requestId))
        }
        handling.respond(outcome.answer)
    }

    private struct MoveOutcome {
        var answer: Outcome
        var tookSelfRental = false
    }

    private static func decide(_ change: ChangeRental, _ kiosk: KioskAnswer?, _ handling: Handling) async throws -> MoveOutcome {
        guard let requested = RentalState(requested: change.reqState) else {
            return MoveOutcome(answer: .refused(.invalid, RentalState.unknown(change.reqState)))
        }
        if requested == .kioskrental, (change.kioskNo ?? 0) <= 0 {
            return MoveOutcome(answer: .refused(.invalid, "`kioskNo` must name the kiosk (a number from 1) to rent at a kiosk"))
        }
        let rentals = Rentals(database: handling.database)
        guard var rental = try await rentals.lock(change.id) else {
            return MoveOutcome(answer: .refused(.notFound, "no rental \(change.id)"))
        }
        guard let current = RentalState(rawValue: rental.reqState) else {
            throw PermanentFailure.rejected("rental \(rental.id) has the unknown state `\(rental.reqState)`")
        }
        switch current.move(to: requested) {
        case .alreadyThere:
            return MoveOutcome(answer: try .done(rental))
        case .refused:
            return MoveOutcome(answer: .refused(.conflict, current.refusal(of: requested, rentalId: rental.id)))
        case .allowed(let next):
            if next == .kioskrental {
                switch kiosk?.verdict {
                case .accepted?: break
                case .refused(let reason)?: return MoveOutcome(answer: .refused(.invalid, reason))
                case .unavailable(let reason)?: return MoveOutcome(answer: .refused(.unavailable, reason))
                case nil: return MoveOutcome(answer: .refused(.unavailable, "the kiosk was not asked: try again"))
                }
            }
            rental.reqState = next.rawValue
            if let kioskNo = change.kioskNo, next == .kioskrental || next == .kioskreturn { rental.kioskNo = kioskNo }
            try await rentals.update(rental)
            try handling.publish(event(for: rental, next, version: try await rentals.nextVersion()))
            return MoveOutcome(answer: try .done(rental), tookSelfRental: next == .kioskrental)
        }
    }

    /// The event announcing that `rental` moved to `state`.
    static func event(for rental: RentalRecord, _ state: RentalState, version: Int) -> any Event {
        let (id, member, book, kiosk) = (rental.id, rental.memberId, rental.bookId, rental.kioskNo ?? 0)
        return switch state {
        case .reserve: Reserved(rentalId: id, memberId: member, bookId: book, version: version)
        case .rental: Rentaled(rentalId: id, memberId: member, bookId: book, version: version)
        case .return: Returned(rentalId: id, memberId: member, bookId: book, version: version)
        case .cancel: Cancelled(rentalId: id, memberId: member, bookId: book, version: version)
        case .kioskrental: KioskRentaled(rentalId: id, memberId: member, bookId: book, kioskNumber: kiosk, version: version)
        case .kioskreturn: KioskReturned(rentalId: id, memberId: member, bookId: book, kioskNumber: kiosk, version: version)
        }
    }
}
