/// A message type: its wire name is `<context>.<Name>` (the AMQP `type` property and the
/// routing key), its body the JSON object its fields describe.
public struct Message: Sendable {
    public enum Kind: String, Sendable {
        /// A fact the context publishes on its events exchange.
        case event
        /// A request to act, accepted on the context's commands exchange.
        case command
        /// The request of an RPC endpoint, published on the server's commands exchange.
        case rpcRequest = "rpc request"
        /// The reply of an RPC endpoint, sent to the caller's `reply_to`.
        case rpcReply = "rpc reply"
    }

    public var context: String
    public var name: String
    public var kind: Kind
    public var description: String?
    public var fields: [Field]
    /// The exchange it is published to; empty for a reply (the default exchange).
    public var exchange: String
    public var location: SourceLocation

    public init(
        context: String, name: String, kind: Kind, description: String? = nil, fields: [Field],
        exchange: String, location: SourceLocation
    ) {
        self.context = context
        self.name = name
        self.kind = kind
        self.description = description
        self.fields = fields
        self.exchange = exchange
        self.location = location
    }

    /// `<context>.<Name>`: the AMQP `type` property and the routing key.
    public var type: String { "\(context).\(name)" }

    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }
}

/// One field of a message or view body.
public struct Field: Sendable {
    public var name: String
    public var type: FieldType
    public var description: String?
    public var location: SourceLocation

    public init(name: String, type: FieldType, description: String? = nil, location: SourceLocation) {
        self.name = name
        self.type = type
        self.description = description
        self.location = location
    }
}

/// The types a field may have; JSON on the wire.
public indirect enum FieldType: Hashable, Sendable, CustomStringConvertible {
    case string
    case int
    /// An exact decimal, carried as a JSON number or a numeric string.
    case decimal
    case bool
    /// RFC 3339 date and time.
    case dateTime
    case uuid
    case enumeration([String])
    /// May be absent or null.
    case optional(FieldType)
    case list(FieldType)

    /// The spelling used in topology files.
    public var description: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .decimal: "decimal"
        case .bool: "bool"
        case .dateTime: "date-time"
        case .uuid: "uuid"
        case .enumeration(let values): "enum(\(values.joined(separator: ", ")))"
        case .optional(let wrapped): "optional(\(wrapped))"
        case .list(let element): "list(\(element))"
        }
    }

    public var isOptional: Bool {
        if case .optional = self { return true }
        return false
    }

    /// Names of the scalar types, for hints.
    static let scalarNames = ["string", "int", "decimal", "bool", "date-time", "uuid"]

    /// Parses `string`, `enum(A, B)`, `optional(T)`, `list(T)`; nil when it is none of them.
    public init?(parsing text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        switch text {
        case "string": self = .string
        case "int": self = .int
        case "decimal": self = .decimal
        case "bool": self = .bool
        case "date-time": self = .dateTime
        case "uuid": self = .uuid
        default:
            guard text.hasSuffix(")"), let open = text.firstIndex(of: "(") else { return nil }
            let head = text[..<open]
            let inner = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            switch head {
            case "optional":
                guard let wrapped = FieldType(parsing: inner), !wrapped.isOptional else { return nil }
                self = .optional(wrapped)
            case "list":
                guard let element = FieldType(parsing: inner) else { return nil }
                self = .list(element)
            case "enum":
                let values = inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard !values.isEmpty, values.allSatisfy({ !$0.isEmpty }), Set(values).count == values.count else { return nil }
                self = .enumeration(values)
            default:
                return nil
            }
        }
    }
}

import Foundation
