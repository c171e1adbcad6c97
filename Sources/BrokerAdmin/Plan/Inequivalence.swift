import Foundation
import RabbitMQ

/// Reads the broker's 406 PRECONDITION_FAILED text for a redeclare into both sides:
///
///     PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'q' in vhost '/':
///     received the value 'quorum' of type 'longstr' but current is none
///     PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q' in vhost '/':
///     received 'true' but current is 'false'
///
/// The broker names one difference per refusal (the first it finds).
enum Inequivalence {
    /// Both sides of the refusal, and the broker's value as a field value (nil when it is
    /// `none`, or of a type we cannot rebuild) so the next probe can take it.
    struct Refusal {
        var difference: Difference
        var brokerValue: FieldValue?
        var brokerHasValue: Bool
    }

    static func parse(_ text: String) -> Difference? { refusal(text)?.difference }

    static func refusal(_ text: String) -> Refusal? {
        guard let argStart = text.range(of: "inequivalent arg '"),
              let argEnd = text[argStart.upperBound...].firstIndex(of: "'"),
              let received = text.range(of: ": received ", range: argEnd..<text.endIndex),
              let current = text.range(of: " but current is ", range: received.upperBound..<text.endIndex)
        else { return nil }
        let property = String(text[argStart.upperBound..<argEnd])
        let topology = value(String(text[received.upperBound..<current.lowerBound]))
        let brokerText = String(text[current.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        var broker = value(brokerText)
        // A queue declared without `x-queue-type` is classic: say so rather than "not set".
        if property == "x-queue-type" && broker == nil { broker = "classic" }
        return Refusal(difference: Difference(property: property, broker: broker, topology: topology),
                       brokerValue: fieldValue(brokerText), brokerHasValue: brokerText != "none")
    }

    /// `the value '5' of type 'long'` → .int64(5); `'false'` → .bool(false); `'x'` → .string.
    static func fieldValue(_ text: String) -> FieldValue? {
        guard let value = value(text) else { return nil }
        if text.hasPrefix("the value '"), let typeStart = text.range(of: "' of type '", options: .backwards) {
            let type = text[typeStart.upperBound...].dropLast()
            switch type {
            case "longstr": return .string(value)
            case "long", "signedint", "short", "byte", "unsignedbyte", "unsignedshort", "unsignedint":
                return Int64(value).map(FieldValue.int64)
            case "bool": return .bool(value == "true")
            default: return nil
            }
        }
        if value == "true" || value == "false" { return .bool(value == "true") }
        return .string(value)
    }

    /// `none` → nil; `'x'` → x; `the value 'x' of type 'longstr'` → x.
    static func value(_ text: String) -> String? {
        if text == "none" { return nil }
        var text = Substring(text)
        if text.hasPrefix("the value '"), let typeStart = text.range(of: "' of type '", options: .backwards) {
            return String(text[text.index(text.startIndex, offsetBy: 11)..<typeStart.lowerBound])
        }
        if text.hasPrefix("'") && text.hasSuffix("'") && text.count >= 2 { text = text.dropFirst().dropLast() }
        return String(text)
    }
}
