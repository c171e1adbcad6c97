import Foundation
import Topology

/// Checks a JSON body against a message's field declarations before any handler sees it.
///
/// Every problem is reported with the field's path (`items[2].price`), so a dead-lettered
/// message or a 400 answer says exactly what is wrong. Unknown fields are accepted (a tolerant
/// reader lets producers add fields before consumers know them).
public enum PayloadValidator {
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        public let path: String
        public let problem: String
        public var description: String { "`\(path)` \(problem)" }
    }

    /// Parses `body` and validates it; a body that is not a JSON object is one violation at `$`.
    public static func validate(_ body: Data, against fields: [Field]) -> [Violation] {
        guard !body.isEmpty else { return [Violation(path: "$", problem: "is empty: expected a JSON object")] }
        let parsed: JSONValue
        do {
            parsed = try JSONValue(parsing: body)
        } catch {
            return [Violation(path: "$", problem: "is not valid JSON (\(error))")]
        }
        guard case .object(let object) = parsed else {
            return [Violation(path: "$", problem: "must be a JSON object, got \(parsed.kind)")]
        }
        return validate(object, against: fields)
    }

    public static func validate(_ object: [String: JSONValue], against fields: [Field]) -> [Violation] {
        var violations: [Violation] = []
        for field in fields {
            check(object[field.name], field.type, path: field.name, into: &violations)
        }
        return violations
    }

    private static func check(_ value: JSONValue?, _ type: FieldType, path: String, into violations: inout [Violation]) {
        if case .optional(let wrapped) = type {
            if value == nil || value == .null { return }
            return check(value, wrapped, path: path, into: &violations)
        }
        guard let value, value != .null else {
            violations.append(Violation(path: path, problem: "is missing: it is a required \(type)"))
            return
        }
        func wrong() { violations.append(Violation(path: path, problem: "must be \(article(type)), got \(value.kind)\(preview(value))")) }
        switch (type, value) {
        case (.string, .string), (.int, .integer), (.decimal, .integer), (.bool, .bool):
            return
        case (.decimal, .number(let number)):
            // Foundation's Decimal (what a Swift handler decodes) spans 1e-128 to 1e127: a
            // number outside would pass here and then fail to decode in the handler.
            if !number.isFinite || Decimal(string: "\(number)", locale: Locale(identifier: "en_US_POSIX")) == nil {
                violations.append(Violation(path: path, problem: "must be a decimal number from 1e-128 to 1e127 in size, got \(number)"))
            }
        case (.decimal, .string(let text)):
            if Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) == nil || !text.allSatisfy({ "0123456789.-+eE".contains($0) }) { wrong() }
        case (.dateTime, .string(let text)):
            if !isDateTime(text) { wrong() }
        case (.uuid, .string(let text)):
            if UUID(uuidString: text) == nil { wrong() }
        case (.enumeration(let allowed), .string(let text)):
            if !allowed.contains(text) {
                violations.append(Violation(path: path, problem: "must be one of \(allowed.joined(separator: ", ")), got \"\(text)\""))
            }
        case (.list(let element), .array(let items)):
            for (index, item) in items.enumerated() { check(item, element, path: "\(path)[\(index)]", into: &violations) }
        default:
            wrong()
        }
    }

    private static func isDateTime(_ text: String) -> Bool {
        let formatter = ISO8601DateFormatter()
        if formatter.date(from: text) != nil { return true }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) != nil
    }

    private static func article(_ type: FieldType) -> String {
        switch type {
        case .int: "an integer"
        case .decimal: "a decimal number"
        case .bool: "true or false"
        case .string: "a string"
        case .dateTime: "an RFC 3339 date-time string"
        case .uuid: "a UUID string"
        case .enumeration(let values): "one of \(values.joined(separator: ", "))"
        case .list(let element): "a list of \(element)"
        case .optional(let wrapped): article(wrapped)
        }
    }

    private static func preview(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): " \"\(text.count > 40 ? String(text.prefix(40)) + "…" : text)\""
        case .integer(let number): " \(number)"
        case .number(let number): " \(number)"
        case .bool(let flag): " \(flag)"
        default: ""
        }
    }
}
