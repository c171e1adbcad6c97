/// A card number (`cardNo`) as the booking received it. Its descriptions show the masked form
/// only, so it cannot leak into a log line or an interpolated reason; views, answers and events
/// carry `masked`, and only payment's `Pay` request carries the digits.
struct CardNumber: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The digits, spaces and hyphens between groups removed.
    let digits: String

    /// Reads 1 to 19 digits (the original's clients sent test numbers like `111`); spaces and
    /// hyphens between groups are allowed. Nil for anything else.
    init?(digitsOf text: String) {
        let digits = text.filter { $0 != " " && $0 != "-" }
        guard (1...19).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        self.digits = digits
    }

    /// One star per hidden digit, then the last four digits of a real card number (12 digits or
    /// more); a shorter number shows its last digit only, so no number is ever shown whole
    /// (`111` → `**1`, `4111111111111111` → `************1111`).
    var masked: String { Self.mask(digits) }

    /// The masked form of a number's digits.
    static func mask(_ digits: String) -> String {
        let visible = digits.count >= 12 ? 4 : min(1, digits.count - 1)
        return String(repeating: "*", count: digits.count - visible) + digits.suffix(visible)
    }

    /// The 400's reason for a `cardNo` that is not a card number; it does not repeat the text.
    static let invalid = "`cardNo` must be a card number: 1 to 19 digits (spaces and hyphens allowed between groups)"

    var description: String { masked }
    var debugDescription: String { "CardNumber(\(masked))" }
    var customMirror: Mirror { Mirror(self, children: ["masked": masked]) }
}
