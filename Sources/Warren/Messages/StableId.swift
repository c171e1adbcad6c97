import Crypto

/// The id of a resource created by a command that first needs another context's answer (a
/// reservation paid through an RPC, a booking, a rental).
///
/// The id travels in the RPC request, so it must exist before the handler's transaction opens,
/// and a redelivered command must ask again with the same id: the server then recognises the
/// request (its inbox replies the stored answer) and nothing happens twice. A sequence cannot
/// do that before the transaction (a redelivery would draw a new number), so the id is a pure
/// function of the command's message id (the ingress takes it from `Idempotency-Key` when the
/// client sends one): the first 53 bits of its SHA-256, so JavaScript clients read it exactly,
/// never 0. Two commands collide with probability n²/2⁵⁴ (5·10⁻⁵ after a million); a collision
/// is not silent: a server refuses a second charge for an id, a primary key a second row.
public enum StableId {
    public static let maximum = (1 << 53) - 1

    public static func from(messageId: String) -> Int {
        let digest = SHA256.hash(data: Array(messageId.utf8))
        var value = 0
        for byte in digest.prefix(7) { value = value << 8 | Int(byte) }
        return value >> 3 == 0 ? 1 : value >> 3
    }
}

/// A secret's keyed hash (HMAC-SHA256), lowercase hex: what a context keeps of a card number
/// instead of the number, comparable across requests and useless without the key.
public enum KeyedHash {
    public static func hex(of message: some Sequence<UInt8>, key: some Sequence<UInt8>) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(message), using: SymmetricKey(data: Array(key)))
        return String(code.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }

    private static let digits = Array("0123456789abcdef")
}
