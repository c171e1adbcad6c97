import Warren

extension Payment {
    /// The payment worker: `warren worker library/payment`.
    static func context(settings: Settings) -> BoundedContext {
        var context = BoundedContext("payment", system: LibrarySystem.name, migrations: migrations)
        context.serve(Pay.self) { request, handling in
            let latency = Settings.draw(settings.paymentLatency)
            if latency > .zero { try await Task.sleep(for: latency) }
            return try await pay(request, handling)
        }
        context.on(VoidPayment.self) { void, handling in
            try await refund(void.rentalId, cause: "void", handling)
        }
        context.on(Rental.Cancelled.self) { cancelled, handling in
            try await refund(cancelled.rentalId, cause: "cancel", handling)
        }
        return context
    }

    /// Pays a reservation, or says why not. The reply is stored with the charge (the runtime's
    /// inbox), so a retried request gets the same answer and is charged once.
    static func pay(_ request: Pay, _ handling: Handling) async throws -> PayReply {
        let payments = Payments(database: handling.database)
        try await payments.lockRental(request.rentalId)
        if try await payments.isCancelled(rentalId: request.rentalId) {
            return .refused("rental \(request.rentalId) was voided or cancelled before its payment")
        }
        if try await payments.payment(rentalId: request.rentalId) != nil {
            return .refused("rental \(request.rentalId) is already paid")
        }
        let paymentId = try await payments.charge(request)
        try handling.publish(Paid(paymentId: paymentId, rentalId: request.rentalId, memberId: request.memberId, bookId: request.bookId))
        return .paid(paymentId: paymentId)
    }

    /// Voids or refunds the payment of a rental, once. Before the payment (a void that
    /// overtook it, or a rental never paid) it is only recorded, and the payment is then
    /// refused; after it the payment is refunded: `PaymentCancelled`.
    static func refund(_ rentalId: Int, cause: String, _ handling: Handling) async throws {
        let payments = Payments(database: handling.database)
        try await payments.lockRental(rentalId)
        let payment = try await payments.payment(rentalId: rentalId)
        try await payments.recordCancellation(rentalId: rentalId, cause: cause, paymentId: payment?.id)
        guard let payment else {
            handling.logger.info("nothing to refund: no payment for this rental (recorded)", metadata: ["rental.id": "\(rentalId)", "cause": "\(cause)"])
            return
        }
        guard payment.status == Status.paid else { return }
        try await payments.setStatus(Status.cancelled, paymentId: payment.id)
        try handling.publish(PaymentCancelled(paymentId: payment.id, rentalId: rentalId, memberId: payment.memberId, bookId: payment.bookId))
    }
}
