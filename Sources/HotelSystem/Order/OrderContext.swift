import Warren

extension Order {
    /// The order worker: `warren worker hotel/order`.
    static func context(settings: Settings) -> BoundedContext {
        var context = BoundedContext("order", system: HotelSystem.name, migrations: migrations)
        context.on(PlaceOrder.self, before: { request, calls in
            try await askPayment(request, deadline: settings.paymentDeadline, calls)
        }) { request, answer, handling in
            try await place(request, answer, handling)
        }
        context.on(CancelOrder.self) { cancel, handling in
            handling.respond(try await self.cancel(cancel.id, cause: Cause.customer, handling))
        }
        context.on(ChangeOrder.self) { change, handling in
            guard isCancellation(change.status) else {
                handling.respond(.refused(.invalid, "`status` may only be `cancel` (a booking's one change), got `\(change.status)`"))
                return
            }
            handling.respond(try await cancel(change.id, cause: Cause.customer, handling))
        }
        context.on(Hotel.ReservationRejected.self) { rejected, handling in
            let outcome = try await cancel(rejected.orderId, cause: Cause.hotel, handling)
            if outcome.result == .refused {
                handling.logger.warning("a rejection of an unknown booking", metadata: ["order.id": "\(rejected.orderId)"])
            }
        }
        return context
    }

    /// `cancel`, as the original's PATCH sent it, and its spellings.
    static func isCancellation(_ status: String) -> Bool {
        ["cancel", "canceled", "cancelled", "ordercanceled"].contains(status.trimmingCharacters(in: .whitespaces).lowercased())
    }

    // MARK: Booking

    /// Payment's answer to a booking, obtained before the delivery's transaction opens.
    struct PaymentAnswer: Sendable {
        enum Verdict: Sendable {
            case invalid(reason: String)
            case approved
            case declined(reason: String)
            case unavailable(reason: String)
        }
        var orderId: Int
        var card: CardNumber?
        var verdict: Verdict
    }

    /// Checks the booking, then asks payment (a booking payment cannot read is not sent).
    static func askPayment(_ request: PlaceOrder, deadline: Duration?, _ calls: Calls) async throws -> PaymentAnswer {
        // 1, 2, 3…, the same for every delivery of this booking (the original's `/orders/1`).
        let orderId = try await calls.claimId("orders")
        guard !request.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            return PaymentAnswer(orderId: orderId, verdict: .invalid(reason: "`name` must name the guest, got an empty name"))
        }
        guard let card = CardNumber(digitsOf: request.cardNo) else {
            return PaymentAnswer(orderId: orderId, verdict: .invalid(reason: CardNumber.invalid))
        }
        let payment = Payment.Pay(orderId: orderId, name: request.name, cardNo: card.digits)
        let verdict: PaymentAnswer.Verdict = switch await calls.result(of: payment, deadline: deadline) {
        case .success(let reply) where reply.approved: .approved
        case .success(let reply): .declined(reason: reply.reason ?? "payment declined")
        case .failure(let error): .unavailable(reason: error.reasonForClient(afterTimeout: "the payment is voided, nothing is charged"))
        }
        return PaymentAnswer(orderId: orderId, card: card, verdict: verdict)
    }

    /// Approved: the booking is stored `Ordered` and announced (201). Declined: it is stored
    /// cancelled and announced so (402). Payment unavailable: nothing is stored (503); after a
    /// timeout the runtime has already sent `VoidPayment`, so a late payment is refunded.
    static func place(_ request: PlaceOrder, _ answer: PaymentAnswer, _ handling: Handling) async throws {
        let orders = Orders(database: handling.database)
        let name = request.name.trimmingCharacters(in: .whitespaces)
        let masked = answer.card?.masked ?? ""
        switch answer.verdict {
        case .invalid(let reason):
            handling.respond(.refused(.invalid, reason))
        case .approved:
            let order = OrderRecord(id: answer.orderId, name: name, cardNo: masked, status: Status.ordered)
            guard try await orders.insert(order) else {
                handling.respond(.refused(.conflict, "order id \(order.id) is taken: send the request again with another message id"))
                return
            }
            try handling.publish(Ordered(orderId: order.id, name: order.name, cardNo: order.cardNo))
            handling.respond(try .created(id: order.id, order))
        case .declined(let reason):
            let order = OrderRecord(id: answer.orderId, name: name, cardNo: masked, status: Status.canceled)
            let cause = Cause.declined(reason)
            if try await orders.insert(order, cancelReason: cause) {
                try handling.publish(OrderCanceled(orderId: order.id, name: order.name, cardNo: order.cardNo, paid: false, reason: cause))
            }
            handling.respond(.refused(.declined, "order \(order.id) is cancelled: \(cause)"))
        case .unavailable(let reason):
            handling.logger.warning("booking refused: payment unavailable", metadata: ["order.id": "\(answer.orderId)"])
            handling.respond(.refused(.unavailable, reason))
        }
    }

    // MARK: Cancellation

    /// Cancels a booking once and announces it (payment refunds, reservation deletes): 404 for
    /// an unknown booking, 200 with the booking otherwise (also when it was already cancelled).
    static func cancel(_ id: Int, cause: String, _ handling: Handling) async throws -> Outcome {
        let orders = Orders(database: handling.database)
        guard var order = try await orders.lock(id) else { return .refused(.notFound, "no order \(id)") }
        guard order.status != Status.canceled else { return try .done(order) }
        try await orders.cancel(id, reason: cause)
        order.status = Status.canceled
        try handling.publish(OrderCanceled(orderId: id, name: order.name, cardNo: order.cardNo, paid: true, reason: cause))
        return try .done(order)
    }
}
