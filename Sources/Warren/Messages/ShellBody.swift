import Foundation
import Topology

/// A message body from `key=value` words typed in a shell (`warren send`), typed by the
/// message's declared fields: `amount=30` becomes a number where `amount` is an int,
/// `key:=<json>` takes raw JSON, as HTTPie does.
public enum ShellBody {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public static func build(_ words: [String], fields: [Field]) throws(Problem) -> Data {
        var object: [String: JSONValue] = [:]
        for word in words {
            if let range = word.range(of: ":=") {
                let key = String(word[..<range.lowerBound])
                guard let value = try? JSONValue(parsing: Data(word[range.upperBound...].utf8)) else {
                    throw Problem(description: "`\(word)`: the part after := is not JSON")
                }
                object[key] = value
                continue
            }
            guard let equals = word.firstIndex(of: "=") else {
                throw Problem(description: "`\(word)` is not key=value (or key:=json)")
            }
            let key = String(word[..<equals])
            let text = String(word[word.index(after: equals)...])
            guard let field = fields.first(where: { $0.name == key }) else {
                let known = fields.map(\.name).joined(separator: ", ")
                throw Problem(description: "`\(key)` is not a field of this message; its fields: \(known)")
            }
            object[key] = try value(text, as: field.type, key: key)
        }
        do { return try JSONEncoder.warren.encode(object) } catch {
            throw Problem(description: "the body does not encode: \(error)")
        }
    }

    private static func value(_ text: String, as type: FieldType, key: String) throws(Problem) -> JSONValue {
        switch type {
        case .optional(let wrapped): return text == "null" ? .null : try value(text, as: wrapped, key: key)
        case .int:
            guard let number = Int64(text) else { throw Problem(description: "`\(key)` is an int; `\(text)` is not") }
            return .integer(number)
        case .decimal:
            if let number = Int64(text) { return .integer(number) }
            guard let number = Double(text) else { throw Problem(description: "`\(key)` is a decimal; `\(text)` is not") }
            return .number(number)
        case .bool:
            guard let flag = Bool(text) else { throw Problem(description: "`\(key)` is a bool (true or false); `\(text)` is not") }
            return .bool(flag)
        case .list:
            throw Problem(description: "`\(key)` is a list: give it as JSON with \(key):=[...]")
        case .string, .dateTime, .uuid, .enumeration:
            return .string(text)
        }
    }
}
