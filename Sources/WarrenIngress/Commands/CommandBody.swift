import Foundation
import Hummingbird
import Topology
import Warren

/// The JSON body a command or RPC route publishes: the request body, checked against the
/// message's declared fields, with the path parameters merged in (the path wins over a body
/// member of the same name, the way a PUT's URI names the resource).
enum CommandBody {
    static func read(_ request: Request, fields: [Field], parameters: [String: String], limit: Int) async throws(APIError) -> Data {
        let bytes = try await request.collectBody(limit: limit)
        var object: [String: JSONValue] = [:]
        if bytes.readableBytes > 0 {
            guard request.hasJSONBody else {
                let given = request.headers[.contentType].map { "`\($0)`" } ?? "none"
                throw APIError(.unsupportedMediaType, "the body must be JSON (Content-Type: application/json), got Content-Type \(given)",
                               field: "Content-Type")
            }
            let parsed: JSONValue
            do {
                parsed = try JSONValue(parsing: Data(buffer: bytes))
            } catch {
                throw APIError.badRequest("the body is not valid JSON: \(error)")
            }
            guard case .object(let members) = parsed else {
                throw APIError.badRequest("the body must be a JSON object, got \(parsed.kind)")
            }
            object = members
        }
        let coercion = coerce(&object, fields: fields)
        for (name, text) in parameters.sorted(by: { $0.key < $1.key }) {
            let type = fields.first { $0.name == name }?.type ?? .string
            object[name] = try pathValue(text, type, field: name)
            coercion.decimals[name] = nil
        }
        let violations = PayloadValidator.validate(object, against: fields)
        if let first = violations.first {
            func text(_ violation: PayloadValidator.Violation) -> String {
                coercion.failed.contains(violation.path)
                    ? violation.description + " (a string is read as one when it holds one, as form tools such as HTTPie send them)"
                    : violation.description
            }
            throw APIError(.badRequest, text(first), field: first.path, details: [
                ("violations", .array(violations.map { .object([("field", .string($0.path)), ("error", .string(text($0)))]) })),
            ])
        }
        if parameters.isEmpty, !coercion.changed, bytes.readableBytes > 0 { return Data(buffer: bytes) }  // as sent: numbers keep every digit
        return encode(object, rawNumbers: coercion.decimals)
    }

    /// What `coerce` did: whether any member changed, the decimal members given as strings (as
    /// the JSON number text to send, every digit kept), the members that could not be read.
    final class Coercion {
        var changed = false
        var decimals: [String: String] = [:]
        var failed: Set<String> = []
    }

    /// Form-style input (HTTPie's `requestId=1`, a form turned into JSON) sends every value as a
    /// string: a top-level string member whose declared type is int, decimal or bool becomes that
    /// type when it holds one (`"1"` → 1, `"100.50"` → 100.50, `"true"` → true). A string that
    /// holds none is left as it is, and the 400 says strings are read that way.
    static func coerce(_ object: inout [String: JSONValue], fields: [Field]) -> Coercion {
        let coercion = Coercion()
        for field in fields {
            guard case .string(let text)? = object[field.name] else { continue }
            var type = field.type
            if case .optional(let wrapped) = type { type = wrapped }
            switch type {
            case .int:
                if let number = Int64(text) {
                    object[field.name] = .integer(number)
                    coercion.changed = true
                } else {
                    coercion.failed.insert(field.name)
                }
            case .bool:
                if let flag = Bool(text.lowercased()) {
                    object[field.name] = .bool(flag)
                    coercion.changed = true
                } else {
                    coercion.failed.insert(field.name)
                }
            case .decimal:
                if let number = decimalText(text) {
                    coercion.decimals[field.name] = number
                    coercion.changed = true
                } else {
                    coercion.failed.insert(field.name)
                }
            default:
                continue
            }
        }
        return coercion
    }

    /// The JSON number text of a decimal string: the string itself when it is already one
    /// (`"100.00"` keeps its digits and scale), else `Decimal`'s rendering (`"+5"`, `".5"`);
    /// nil when the string is not a plain decimal number.
    static func decimalText(_ text: String) -> String? {
        guard !text.isEmpty, text.count <= 64, text.allSatisfy({ "0123456789.-+eE".contains($0) }),
              let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), number.isFinite else { return nil }
        if isJSONNumber(text) { return text }
        let rendered = number.description
        guard rendered.allSatisfy({ "0123456789.-".contains($0) }) else { return nil }
        return rendered
    }

    /// RFC 8259's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isJSONNumber(_ text: String) -> Bool {
        var rest = Substring(text)
        func digits() -> Int {
            let count = rest.prefix { $0.isASCII && $0.isNumber }.count
            rest = rest.dropFirst(count)
            return count
        }
        if rest.first == "-" { rest = rest.dropFirst() }
        if rest.first == "0" { rest = rest.dropFirst() } else if digits() == 0 { return false }
        if rest.first == "." {
            rest = rest.dropFirst()
            if digits() == 0 { return false }
        }
        if rest.first == "e" || rest.first == "E" {
            rest = rest.dropFirst()
            if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
            if digits() == 0 { return false }
        }
        return rest.isEmpty
    }

    /// `object` as JSON with sorted keys; the members in `rawNumbers` are written as those number texts.
    static func encode(_ object: [String: JSONValue], rawNumbers: [String: String]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard !rawNumbers.isEmpty else { return (try? encoder.encode(JSONValue.object(object))) ?? Data("{}".utf8) }
        var text = "{"
        for (index, name) in object.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            let key = (try? encoder.encode(JSONValue.string(name))).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
            let value = rawNumbers[name] ?? (try? encoder.encode(object[name]!)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
            text += key + ":" + value
        }
        return Data((text + "}").utf8)
    }

    /// A path segment as the JSON value its field's type wants; 400 naming the field when it
    /// cannot be one.
    static func pathValue(_ text: String, _ type: FieldType, field: String) throws(APIError) -> JSONValue {
        switch type {
        case .optional(let wrapped): return try pathValue(text, wrapped, field: field)
        case .int:
            guard let number = Int64(text) else { throw APIError.badRequest("`\(field)` must be an integer, got \(quoted(text))", field: field) }
            return .integer(number)
        case .decimal:
            guard let number = Double(text), number.isFinite, text.allSatisfy({ "0123456789.-+eE".contains($0) }) else {
                throw APIError.badRequest("`\(field)` must be a decimal number, got \(quoted(text))", field: field)
            }
            return .number(number)
        case .bool:
            guard let flag = Bool(text) else { throw APIError.badRequest("`\(field)` must be true or false, got \(quoted(text))", field: field) }
            return .bool(flag)
        default:
            return .string(text)
        }
    }

    static func quoted(_ text: String) -> String {
        "\"\(text.count > 40 ? String(text.prefix(40)) + "…" : text)\""
    }
}
