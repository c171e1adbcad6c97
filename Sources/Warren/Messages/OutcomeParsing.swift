import Foundation

extension Outcome {
    /// Why a reply is not an outcome, naming the field.
    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// An outcome read from its JSON in one pass, as strict as its `Decodable` conformance:
    /// `result` one of created, done or refused; `id` a string; `refusal` an object with a known
    /// `kind` and a string `reason`; null or absent optionals are nil; other keys are ignored.
    ///
    /// Every command the ingress sends comes back as an outcome. `JSONDecoder` can only reach
    /// `resource` (any JSON) through `JSONValue`'s `Decodable`, which tries each kind in turn and
    /// builds a decoding error for every miss: a tenth of the ingress's CPU per command.
    public init(json data: Data) throws(Malformed) {
        let value: JSONValue
        do { value = try JSONValue(parsing: data) } catch { throw Malformed(description: "not JSON: \(error)") }
        guard case .object(let fields) = value else { throw Malformed(description: "`$` is not an object but \(value.kind)") }
        guard let result = fields["result"], result != .null else { throw Malformed(description: "`result` is missing") }
        guard case .string(let name) = result, let parsed = Result(rawValue: name) else {
            throw Malformed(description: "`result` is not one of created, done, refused: \(result)")
        }
        self.init(result: parsed, id: try Self.string(fields["id"], "id"),
                  resource: fields["resource"].flatMap { $0 == .null ? nil : $0 },
                  refusal: try Self.refusal(fields["refusal"]))
    }

    private static func string(_ value: JSONValue?, _ path: String) throws(Malformed) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw Malformed(description: "`\(path)` is not a string but \(other.kind)")
        }
    }

    private static func refusal(_ value: JSONValue?) throws(Malformed) -> Refusal? {
        switch value {
        case nil, .null?: return nil
        case .object(let fields)?:
            guard let name = try string(fields["kind"], "refusal.kind") else { throw Malformed(description: "`refusal.kind` is missing") }
            guard let kind = Refusal.Kind(rawValue: name) else {
                throw Malformed(description: "`refusal.kind` is not one of \(Refusal.Kind.allCases.map(\.rawValue).joined(separator: ", ")): \(name)")
            }
            guard let reason = try string(fields["reason"], "refusal.reason") else { throw Malformed(description: "`refusal.reason` is missing") }
            return Refusal(kind: kind, reason: reason)
        case let other?: throw Malformed(description: "`refusal` is not an object but \(other.kind)")
        }
    }
}
