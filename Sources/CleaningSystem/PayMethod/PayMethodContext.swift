import Warren

extension PayMethod {
    /// The paymethod worker: `warren worker paymethod`. Needs `PAYMETHOD_HASH_KEY`.
    static func context(settings: Settings) throws(Settings.Problem) -> BoundedContext {
        guard let key = settings.cardHashKey else {
            throw Settings.Problem(description: "PAYMETHOD_HASH_KEY is not set: paymethod keeps a keyed hash of each card number (a random secret of 16 bytes or more, e.g. `openssl rand -hex 32`)")
        }
        var context = BoundedContext("paymethod", system: CleaningSystem.name, migrations: migrations)
        context.on(RegisterPayMethod.self, before: { command, calls in try await askPayment(command, key: key, calls) }) { command, answer, handling in
            try await store(command, answer, handling)
        }
        context.on(ChangePayMethod.self) { command, handling in
            try await change(command, key: key, handling)
        }
        return context
    }

    /// Payment's answer to a registration, obtained before the delivery's transaction opens.
    struct PaymentAnswer: Sendable {
        enum Verdict: Sendable {
            case registered(CardNumber)
            case invalid(reason: String)
            case refused(reason: String)
            case unavailable(reason: String)
        }
        var payMethodId: Int
        var verdict: Verdict
    }

    @Sendable static func askPayment(_ command: RegisterPayMethod, key: [UInt8], _ calls: Calls) async throws -> PaymentAnswer {
        let payMethodId = try await calls.claimId("paymethods")
        let card: CardNumber
        do {
            card = try CardNumber(command.number, key: key)
        } catch {
            return PaymentAnswer(payMethodId: payMethodId, verdict: .invalid(reason: error.description))
        }
        let request = Payment.RegisterPayKind(requestId: command.requestId, payMethodId: payMethodId, kind: command.kind,
                                              numberLast4: card.last4)
        switch await calls.result(of: request) {
        case .success(let reply) where reply.registered:
            return PaymentAnswer(payMethodId: payMethodId, verdict: .registered(card))
        case .success(let reply):
            return PaymentAnswer(payMethodId: payMethodId, verdict: .refused(reason: reply.reason ?? "payment refused the payment kind"))
        case .failure(let error):
            return PaymentAnswer(payMethodId: payMethodId, verdict: .unavailable(reason: error.reasonForClient(afterTimeout: "nothing is registered")))
        }
    }

    /// Registered: the card is stored (masked number and keyed hash) and announced. Otherwise
    /// nothing is stored.
    static func store(_ command: RegisterPayMethod, _ answer: PaymentAnswer, _ handling: Handling) async throws {
        switch answer.verdict {
        case .registered(let card):
            let record = PayMethodRecord(id: answer.payMethodId, kind: command.kind, numberMasked: card.masked,
                                         requestId: command.requestId, payKindRegStatus: Status.registered)
            guard try await PayMethods(database: handling.database).insert(record, hash: card.hash) else {
                handling.respond(.refused(.conflict, "payment method id \(record.id) is taken: send the request again with another message id"))
                return
            }
            try handling.publish(KindRegistered(payMethodId: record.id, requestId: record.requestId, kind: record.kind,
                                                numberMasked: record.numberMasked))
            handling.respond(try .created(id: record.id, record))
        case .invalid(let reason):
            handling.respond(.refused(.invalid, reason))
        case .refused(let reason):
            handling.respond(.refused(.declined, reason))
        case .unavailable(let reason):
            handling.logger.warning("payment method refused: payment unavailable", metadata: ["paymethod.id": "\(answer.payMethodId)"])
            handling.respond(.refused(.unavailable, reason))
        }
    }

    /// `PATCH /paymethods/{id}`: a new kind or number; every change is announced with the
    /// card's next version.
    static func change(_ command: ChangePayMethod, key: [UInt8], _ handling: Handling) async throws {
        guard command.kind != nil || command.number != nil else {
            handling.respond(.refused(.invalid, "nothing to change: give `kind`, `number` or both"))
            return
        }
        var card: CardNumber?
        if let number = command.number {
            do {
                card = try CardNumber(number, key: key)
            } catch {
                handling.respond(.refused(.invalid, error.description))
                return
            }
        }
        let payMethods = PayMethods(database: handling.database)
        guard let (stored, version) = try await payMethods.lock(command.id) else {
            handling.respond(.refused(.notFound, "no payment method \(command.id)"))
            return
        }
        var record = stored
        if let kind = command.kind { record.kind = kind }
        if let card { record.numberMasked = card.masked }
        record.payKindRegStatus = Status.changed
        try await payMethods.update(record, hash: card?.hash, version: version + 1)
        try handling.publish(KindChanged(payMethodId: record.id, requestId: record.requestId, kind: record.kind,
                                         numberMasked: record.numberMasked, version: version + 1))
        handling.respond(try .done(record))
    }
}
