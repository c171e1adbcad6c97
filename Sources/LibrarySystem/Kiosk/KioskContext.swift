import Warren

extension Kiosk {
    /// The kiosk worker: `warren worker library/kiosk`.
    static func context(settings: Settings) -> BoundedContext {
        var context = BoundedContext("kiosk", system: LibrarySystem.name, migrations: migrations)
        context.serve(SelfRental.self) { request, handling in
            let latency = Settings.draw(settings.kioskLatency)
            if latency > .zero { try await Task.sleep(for: latency) }
            return try await accept(request, kioskCount: settings.kioskCount, handling)
        }
        context.on(VoidSelfRental.self) { void, handling in
            if try await Kiosks(database: handling.database).void(void.requestId) {
                handling.logger.info("self rental voided: the rental did not take it", metadata: ["request.id": "\(void.requestId)"])
            }
        }
        context.on(Rental.KioskRentaled.self) { rentaled, handling in
            try await record(rentaled, status: BookStatus.rented, handling)
        }
        context.on(Rental.KioskReturned.self) { returned, handling in
            try await record(returned, status: BookStatus.returned, handling)
        }
        return context
    }

    /// Hands a book out at a kiosk for a rental, or says why not: an unknown kiosk, a rental
    /// already taken at a kiosk, an attempt voided before it arrived. The reply is stored in the
    /// inbox, so a retried attempt gets the same answer.
    static func accept(_ request: SelfRental, kioskCount: Int, _ handling: Handling) async throws -> SelfRentalReply {
        let kiosks = Kiosks(database: handling.database)
        try await kiosks.lockAttempt(request.requestId)
        if try await kiosks.attemptStatus(request.requestId) == "voided" {
            return .refused("this kiosk rental of rental \(request.rentalId) was voided before it reached the kiosk")
        }
        guard (1...kioskCount).contains(request.kioskNo) else {
            try await kiosks.recordAttempt(request, status: "refused")
            return .refused("there is no kiosk \(request.kioskNo): the kiosks are numbered 1 to \(kioskCount)")
        }
        if let taken = try await kiosks.record(rentalId: request.rentalId) {
            try await kiosks.recordAttempt(request, status: "refused")
            return .refused("rental \(request.rentalId) was already taken at kiosk \(taken.kioskNo)")
        }
        try await kiosks.recordAttempt(request, status: "accepted")
        return .accepted
    }

    /// Records a kiosk rental or return the rental announced, and announces each once
    /// (`SelfRentaled`, `SelfReturned`), whatever order the two arrive in.
    static func record(_ event: some Rental.Event, status: String, _ handling: Handling) async throws {
        let kiosks = Kiosks(database: handling.database)
        let (record, announced) = try await kiosks.merge(rentalId: event.rentalId, bookId: event.bookId, memberId: event.memberId,
                                                         kioskNo: event.kioskNo ?? 0, bookStatus: status, version: event.version)
        let kioskNo = event.kioskNo ?? record.kioskNo
        if status == BookStatus.rented, !announced.rental {
            try await kiosks.markAnnounced(rentalId: event.rentalId, return: false)
            try handling.publish(SelfRentaled(kioskId: record.id, rentalId: record.rentalId, memberId: record.memberId,
                                              bookId: record.bookId, kioskNo: kioskNo))
        } else if status == BookStatus.returned, !announced.return {
            try await kiosks.markAnnounced(rentalId: event.rentalId, return: true)
            try handling.publish(SelfReturned(kioskId: record.id, rentalId: record.rentalId, memberId: record.memberId,
                                              bookId: record.bookId, kioskNo: kioskNo))
        }
    }
}
