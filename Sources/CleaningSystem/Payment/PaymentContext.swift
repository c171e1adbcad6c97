import Foundation
import Warren

extension Payment {
    /// The payment worker: `warren worker payment`.
    static func context(settings: Settings) -> BoundedContext {
        let policy = ApprovalPolicy(limit: settings.paymentLimit)
        var context = BoundedContext("payment", system: CleaningSystem.name, migrations: migrations)
        context.serve(ApprovePayment.self) { request, handling in
            let delay = settings.drawApprovalDelay()
            if delay > .zero { try await Task.sleep(for: delay) }
            return try await approve(request, policy: policy, handling)
        }
        context.on(VoidPayment.self) { void, handling in
            try await refund(void.requestId, cause: "void", handling)
        }
        context.on(Reservation.CleaningRequestCanceled.self) { canceled, handling in
            try await refund(canceled.requestId, cause: "cancel", handling)
        }
        context.serve(RegisterPayKind.self) { request, handling in
            try await register(request, handling)
        }
        context.on(PayMethod.KindChanged.self) { change, handling in
            guard try await Payments(database: handling.database).changePayKind(change) else { return }
            try handling.publish(PayKindChangeConfirmed(requestId: change.requestId, payMethodId: change.payMethodId,
                                                        payKind: change.kind))
        }
        return context
    }

    /// Charges a reservation, or says why not. The reply is stored with the charge (the
    /// runtime's inbox), so a retried request gets the same answer and is charged once.
    static func approve(_ request: ApprovePayment, policy: ApprovalPolicy, _ handling: Handling) async throws -> ApprovePaymentReply {
        let payments = Payments(database: handling.database)
        try await payments.lockRequest(request.requestId)
        let decision = policy.decide(price: request.price, requestId: request.requestId,
                                     cancelled: try await payments.isCancelled(requestId: request.requestId),
                                     alreadyCharged: try await payments.payment(requestId: request.requestId) != nil)
        guard decision == .approve else {
            if case .decline(let reason) = decision {
                handling.logger.info("payment declined", metadata: ["request.id": "\(request.requestId)", "reason": "\(reason)"])
                return .declined(reason)
            }
            return .declined("payment declined")
        }
        let paymentId = try await payments.charge(requestId: request.requestId, price: request.price, payKind: request.payKind)
        try handling.publish(PayConfirmed(requestId: request.requestId, paymentId: paymentId, requestDate: request.requestDate,
                                          place: request.place, price: request.price, payKind: request.payKind))
        return .approved(paymentId: paymentId)
    }

    /// Voids or refunds the payment of a request, once. Before the approval (a void that
    /// overtook it, or an unknown payment) it is only recorded, and the approval is then
    /// refused. After it the charge is refunded like a cancellation: status
    /// `PaymentCancelCompleted` and `PayCancelConfirmed`, so cleaning frees the slot a
    /// late approval may have booked and the views show the refund.
    static func refund(_ requestId: Int, cause: String, _ handling: Handling) async throws {
        let payments = Payments(database: handling.database)
        try await payments.lockRequest(requestId)
        let payment = try await payments.payment(requestId: requestId)
        try await payments.recordCancellation(requestId: requestId, cause: cause, paymentId: payment?.id)
        guard let payment else {
            handling.logger.info("nothing to refund: no payment for this request (recorded)", metadata: ["request.id": "\(requestId)", "cause": "\(cause)"])
            return
        }
        guard payment.status == Status.completed else { return }
        try await payments.setStatus(Status.cancelCompleted, paymentId: payment.id)
        try handling.publish(PayCancelConfirmed(requestId: requestId, payKind: payment.payKind, price: payment.price))
    }

    /// Accepts a payment kind for paymethod: any named kind with the last four digits of a card.
    static func register(_ request: RegisterPayKind, _ handling: Handling) async throws -> RegisterPayKindReply {
        let kind = request.kind.trimmingCharacters(in: .whitespaces)
        guard !kind.isEmpty else {
            return RegisterPayKindReply(registered: false, status: Status.kindRefused, reason: "the payment kind is empty")
        }
        guard request.numberLast4.count == 4, request.numberLast4.allSatisfy(\.isASCIIDigit) else {
            return RegisterPayKindReply(registered: false, status: Status.kindRefused, reason: "`numberLast4` must be four digits")
        }
        try await Payments(database: handling.database).registerPayKind(request)
        try handling.publish(PayKindChangeConfirmed(requestId: request.requestId, payMethodId: request.payMethodId, payKind: kind))
        return RegisterPayKindReply(registered: true, status: Status.kindRegistered)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
