/// The one naming convention of topology files, checked by the validator.
///
/// - contexts and systems: lowercase kebab-case (`payment`, `pay-method`);
/// - message types: UpperCamelCase (`PayConfirmed`), on the wire `<context>.<Name>`;
/// - fields and views: lowerCamelCase (`requestId`, `dashBoardViews`), the JSON of the seeds;
/// - exchanges and queues: `<context>.<part>[.<part>...]`, each part lowercase kebab-case,
///   so the owner of every broker object is the text before its first dot.
public enum Naming {
    public static func isKebab(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, isLower(first), !text.hasSuffix("-"), !text.contains("--") else { return false }
        return text.unicodeScalars.allSatisfy { isLower($0) || isDigit($0) || $0 == "-" }
    }

    public static func isUpperCamel(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, isUpper(first) else { return false }
        return text.unicodeScalars.allSatisfy { isLower($0) || isUpper($0) || isDigit($0) }
    }

    public static func isLowerCamel(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, isLower(first) else { return false }
        return text.unicodeScalars.allSatisfy { isLower($0) || isUpper($0) || isDigit($0) }
    }

    /// `<context>.<kebab>[.<kebab>...]`, where the parts after the context may also be the
    /// derived retry suffix of an interval (`5s`).
    public static func isBrokerName(_ name: String, of context: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts[0] == context else { return false }
        return parts.dropFirst().allSatisfy { isKebab($0) || Interval(parsing: $0) != nil }
    }

    /// The context a broker object or message type belongs to: the text before the first dot.
    public static func owner(of name: String) -> String? {
        guard let dot = name.firstIndex(of: "."), dot != name.startIndex else { return nil }
        return String(name[..<dot])
    }

    /// Splits `<context>.<Name>` into its two halves.
    public static func split(_ type: String) -> (String, String)? {
        let parts = type.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    private static func isLower(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) }
    private static func isUpper(_ c: Unicode.Scalar) -> Bool { ("A"..."Z").contains(c) }
    private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
}
