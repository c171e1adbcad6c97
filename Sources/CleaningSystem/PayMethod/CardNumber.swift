import Warren

/// A card number as the system may keep it: the last four digits and a keyed hash, never the
/// digits themselves. Its descriptions show the masked form only, so it cannot leak into logs.
///
/// The hash is HMAC-SHA256 under `PAYMETHOD_HASH_KEY`: the same card gives the same hash (a
/// card registered twice can be recognised), and without the key a stolen table does not let
/// anyone test guesses (a plain hash of 8 to 19 digits is brute-forced in minutes).
struct CardNumber: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let last4: String
    let digitCount: Int
    /// Hex HMAC-SHA256 of the digits.
    let hash: String

    struct Invalid: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// Reads a number of 8 to 19 digits; spaces and hyphens between groups are allowed.
    init(_ text: String, key: [UInt8]) throws(Invalid) {
        let digits = text.filter { $0 != " " && $0 != "-" }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else {
            throw Invalid(description: "`number` must be 8 to 19 digits (spaces and hyphens allowed between groups)")
        }
        guard (8...19).contains(digits.count) else {
            throw Invalid(description: "`number` must be 8 to 19 digits, got \(digits.count)")
        }
        last4 = String(digits.suffix(4))
        digitCount = digits.count
        hash = KeyedHash.hex(of: Array(digits.utf8), key: key)
    }

    /// `****5003`: one star per hidden digit, as the original service's clients expect a string.
    var masked: String { String(repeating: "*", count: digitCount - 4) + last4 }

    var description: String { masked }
    var debugDescription: String { "CardNumber(\(masked))" }
    var customMirror: Mirror { Mirror(self, children: ["masked": masked]) }
}
