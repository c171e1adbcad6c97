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
                parsed = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))
            } catch {
                throw APIError.badRequest("the body is not valid JSON: \(describe(error))")
            }
            guard case .object(let members) = parsed else {
                throw APIError.badRequest("the body must be a JSON object, got \(parsed.kind)")
            }
            object = members
        }
        for (name, text) in parameters.sorted(by: { $0.key < $1.key }) {
            let type = fields.first { $0.name == name }?.type ?? .string
            object[name] = try pathValue(text, type, field: name)
        }
        let violations = PayloadValidator.validate(object, against: fields)
        if let first = violations.first {
            throw APIError(.badRequest, first.description, field: first.path, details: [
                ("violations", .array(violations.map { .object([("field", .string($0.path)), ("error", .string($0.description))]) })),
            ])
        }
        if parameters.isEmpty, bytes.readableBytes > 0 { return Data(buffer: bytes) }  // as sent: numbers keep every digit
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(JSONValue.object(object))) ?? Data("{}".utf8)
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

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.underlyingError.map { "\($0)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}
