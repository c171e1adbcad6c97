import Crypto

/// A secret's keyed hash (HMAC-SHA256), lowercase hex: what a context keeps of a card number
/// instead of the number, comparable across requests and useless without the key.
public enum KeyedHash {
    public static func hex(of message: some Sequence<UInt8>, key: some Sequence<UInt8>) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(message), using: SymmetricKey(data: Array(key)))
        return String(code.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }

    private static let digits = Array("0123456789abcdef")
}
