import Warren

extension Cleaning {
    /// The cleaning worker: `warren worker cleaning`.
    static func context(settings: Settings) -> BoundedContext {
        let roster = Roster(capacityPerDay: settings.capacityPerDay)
        var context = BoundedContext("cleaning", system: CleaningSystem.name, migrations: migrations)
        context.on(Payment.PayConfirmed.self) { paid, handling in
            try await assign(paid, roster: roster, handling)
        }
        context.on(Reservation.CleaningRequestCanceled.self) { canceled, handling in
            try await release(canceled.requestId, cause: "reservation cancelled", handling)
        }
        context.on(Payment.PayCancelConfirmed.self) { refunded, handling in
            try await release(refunded.requestId, cause: "payment refunded", handling)
        }
        context.on(CompleteCleaning.self) { command, handling in
            try await complete(command.requestId, handling)
        }
        return context
    }

    /// A paid reservation gets the day's lowest free cleaner, or is rejected when none is free.
    /// Decided once per request: a redelivered or late `PayConfirmed` changes nothing.
    static func assign(_ paid: Payment.PayConfirmed, roster: Roster, _ handling: Handling) async throws {
        let cleans = Cleans(database: handling.database)
        guard try await cleans.lock(requestId: paid.requestId) == nil else { return }
        if try await cleans.wasCancelled(requestId: paid.requestId) {
            _ = try await cleans.insert(requestId: paid.requestId, requestDate: paid.requestDate, place: paid.place,
                                        cleanerId: nil, status: Status.canceled)
            return
        }
        let day = Roster.day(of: paid.requestDate)
        try await cleans.lockDay(day)
        if let cleaner = roster.freeCleaner(booked: try await cleans.bookedCleaners(day: day)) {
            try await cleans.book(cleaner: cleaner, day: day, requestId: paid.requestId)
            _ = try await cleans.insert(requestId: paid.requestId, requestDate: paid.requestDate, place: paid.place,
                                        cleanerId: cleaner, status: Status.confirmed)
            try handling.publish(CleaningConfirmed(requestId: paid.requestId, requestDate: paid.requestDate,
                                                   place: paid.place, cleanerId: cleaner))
        } else {
            let reason = roster.rejectionReason(day: day)
            _ = try await cleans.insert(requestId: paid.requestId, requestDate: paid.requestDate, place: paid.place,
                                        cleanerId: nil, status: Status.rejected)
            try handling.publish(CleaningRejected(requestId: paid.requestId, reason: reason))
            handling.logger.info("cleaning rejected: no capacity", metadata: ["request.id": "\(paid.requestId)", "day": "\(day)"])
        }
    }

    /// A cancelled reservation or a refunded payment frees the cleaner's slot; either may come
    /// first, both may come, and either may overtake the payment itself.
    static func release(_ requestId: Int, cause: String, _ handling: Handling) async throws {
        let cleans = Cleans(database: handling.database)
        try await cleans.recordCancellation(requestId: requestId, cause: cause)
        guard let clean = try await cleans.lock(requestId: requestId) else { return }
        _ = try await cleans.free(requestId: requestId)
        if clean.status == Status.confirmed {
            try await cleans.setStatus(Status.canceled, requestId: requestId)
        }
    }

    /// `POST /cleans`: a confirmed job is done. Completing it again answers the same; a job
    /// that was rejected or cancelled cannot be completed.
    static func complete(_ requestId: Int, _ handling: Handling) async throws {
        let cleans = Cleans(database: handling.database)
        guard var clean = try await cleans.lock(requestId: requestId) else {
            handling.respond(.refused(.notFound, "no cleaning for request \(requestId)"))
            return
        }
        switch clean.status {
        case Status.completed:
            handling.respond(try .done(clean))
        case Status.confirmed:
            clean.status = Status.completed
            try await cleans.setStatus(Status.completed, requestId: requestId)
            try handling.publish(CleaningCompleted(requestId: requestId))
            handling.respond(try .done(clean))
        default:
            handling.respond(.refused(.conflict, "the cleaning of request \(requestId) is \(clean.status): it cannot be completed"))
        }
    }
}
