import Warren

extension Payment {
    /// The payment worker: `warren worker hotel/payment`.
    static func context(settings: Settings) -> BoundedContext {
        var context = BoundedContext("payment", system: HotelSystem.name, migrations: migrations)
        context.serve(Pay.self) { request, handling in
            let latency = Settings.draw(settings.paymentLatency)
            if latency > .zero { try await Task.sleep(for: latency) }
            return try await pay(request, declinedCards: settings.declinedCards, handling)
        }
        context.on(VoidPayment.self) { void, handling in
            try await refund(void.orderId, cause: "void", handling)
        }
        context.on(Order.OrderCanceled.self) { canceled, handling in
            try await refund(canceled.orderId, cause: "cancel", handling)
        }
        return context
    }

    /// Pays a booking, or says why not. The reply is stored with the charge (the runtime's
    /// inbox), so a retried request gets the same answer and is charged once.
    static func pay(_ request: Pay, declinedCards: Set<String>, _ handling: Handling) async throws -> PayReply {
        guard let card = CardNumber(digitsOf: request.cardNo) else { return .declined(CardNumber.invalid) }
        if declinedCards.contains(card.digits) {
            handling.logger.info("payment declined", metadata: ["order.id": "\(request.orderId)", "card": "\(card)"])
            return .declined("the card \(card) was declined by its issuer")
        }
        let payments = Payments(database: handling.database)
        try await payments.lockOrder(request.orderId)
        if try await payments.isCancelled(orderId: request.orderId) {
            return .declined("order \(request.orderId) was voided or cancelled before its payment")
        }
        if try await payments.payment(orderId: request.orderId) != nil {
            return .declined("order \(request.orderId) is already paid")
        }
        let paymentId = try await payments.charge(orderId: request.orderId, card: card)
        try handling.publish(PaymentApproved(paymentId: paymentId, orderId: request.orderId, cardNo: card.masked))
        return .approved(paymentId: paymentId)
    }

    /// Voids or refunds the payment of an order, once. Before the payment (a void that
    /// overtook it, or an order never paid) it is only recorded, and the payment is then
    /// declined; after it the payment is refunded: `PaymentCanceled`.
    static func refund(_ orderId: Int, cause: String, _ handling: Handling) async throws {
        let payments = Payments(database: handling.database)
        try await payments.lockOrder(orderId)
        let payment = try await payments.payment(orderId: orderId)
        let cancellationId = try await payments.recordCancellation(orderId: orderId, cause: cause, paymentId: payment?.id)
        guard let payment else {
            handling.logger.info("nothing to refund: no payment for this order (recorded)", metadata: ["order.id": "\(orderId)", "cause": "\(cause)"])
            return
        }
        guard payment.status == Status.approved else { return }
        try await payments.setStatus(Status.canceled, paymentId: payment.id)
        try handling.publish(PaymentCanceled(paymentId: payment.id, orderId: orderId, cancellationId: cancellationId, cardNo: payment.cardNo))
    }
}
