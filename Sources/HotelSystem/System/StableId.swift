/// The id of something a command allocates before its transaction opens, because it travels in
/// an RPC request: a booking's order id (payment's `Pay`).
///
/// A redelivered command must ask again with the same id, so the server answers from its inbox
/// and nothing is paid twice; a sequence cannot give that before the transaction,
/// and the `before` step has no database. So the id is a pure function of the command's message
/// id (the ingress takes it from `Idempotency-Key` when the client sends one): the first 53 bits
/// of its SHA-256, exact in JavaScript clients, never 0 (the cleaning system's idea, copied).
/// Two bookings collide with probability n²/2⁵⁴; a collision is not silent: payment refuses
/// a second payment of an order id and the orders' primary key refuses the second row.
enum StableId {
    static let maximum = (1 << 53) - 1

    static func from(messageId: String) -> Int {
        let digest = SHA256.hash(Array(messageId.utf8))
        var value = 0
        for byte in digest.prefix(7) { value = value << 8 | Int(byte) }
        return value >> 3 == 0 ? 1 : value >> 3
    }
}
