/// The id of a resource created by a command that first needs another context's answer
/// (a reservation paid through `payment.ApprovePayment`, a card accepted through
/// `payment.RegisterPayKind`).
///
/// The id travels in the RPC request, so it must exist before the handler's transaction opens,
/// and a redelivered command must ask again with the same id: the server then recognises the
/// request (its inbox replies the stored answer) and no second payment happens. Numbering from
/// a sequence cannot do that before the transaction (a redelivery would draw a new number), and
/// a separate "message id → number" table would need a database round trip outside the
/// delivery's transaction, which the `before` step deliberately does not have. So the id is a
/// pure function of the command's message id (which the ingress takes from `Idempotency-Key`
/// when the client sends one): the first 53 bits of its SHA-256, so JavaScript clients read
/// it exactly, never 0. Two commands collide with probability n²/2⁵⁴ (5·10⁻⁵ after a million
/// reservations); a collision is not silent: payment refuses a second approval for a request
/// id it already charged, and the reservation's primary key refuses the second row.
enum StableId {
    static let maximum = (1 << 53) - 1

    static func from(messageId: String) -> Int {
        let digest = SHA256.hash(Array(messageId.utf8))
        var value = 0
        for byte in digest.prefix(7) { value = value << 8 | Int(byte) }
        return value >> 3 == 0 ? 1 : value >> 3
    }
}
