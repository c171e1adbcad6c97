import Foundation

/// What became of a command, as its sender (usually the ingress) waits for it: created, done,
/// or refused for a domain reason. Travels as a reply of type `warren.Outcome` and is stored in
/// the handling context's inbox, so a retried command gets the first answer again.
public struct Outcome: Codable, Sendable, Hashable {
    public enum Result: String, Codable, Sendable {
        case created, done, refused
    }

    /// Why a command was not carried out, in the domain's terms; the ingress maps each kind to
    /// an HTTP status (invalid 400, declined 402, notFound 404, conflict 409, unavailable 503).
    public struct Refusal: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            case invalid, declined, notFound, conflict, unavailable
        }

        public var kind: Kind
        public var reason: String

        public init(kind: Kind, reason: String) {
            self.kind = kind
            self.reason = reason
        }
    }

    public var result: Result
    /// The key of a created resource.
    public var id: String?
    public var resource: JSONValue?
    public var refusal: Refusal?

    public init(result: Result, id: String? = nil, resource: JSONValue? = nil, refusal: Refusal? = nil) {
        self.result = result
        self.id = id
        self.resource = resource
        self.refusal = refusal
    }

    public static func created(id: some CustomStringConvertible, _ resource: some Encodable) throws -> Outcome {
        Outcome(result: .created, id: id.description, resource: try JSONValue(encoding: resource))
    }

    public static func done(_ resource: some Encodable) throws -> Outcome {
        Outcome(result: .done, resource: try JSONValue(encoding: resource))
    }

    public static let done = Outcome(result: .done)

    /// Its JSON; an `Outcome` holds only strings and JSON values, so encoding cannot fail.
    package static func encoded(_ outcome: Outcome) -> Data {
        (try? JSONEncoder.warren.encode(outcome)) ?? Data(#"{"result":"done"}"#.utf8)
    }

    public static func refused(_ kind: Refusal.Kind, _ reason: String) -> Outcome {
        Outcome(result: .refused, refusal: Refusal(kind: kind, reason: reason))
    }
}

extension JSONValue {
    /// The JSON of any encodable value, as the wire would carry it.
    public init(encoding value: some Encodable) throws {
        self = try JSONValue(parsing: JSONEncoder.warren.encode(value))
    }
}
