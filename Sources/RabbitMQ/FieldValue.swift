import Foundation

/// A value in an AMQP field table: message headers and declaration arguments.
public enum FieldValue: Sendable, Hashable {
    case bool(Bool)
    case int8(Int8)
    case uint8(UInt8)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    case decimal(scale: UInt8, value: UInt32)
    case string(String)
    case bytes([UInt8])
    /// Seconds since the Unix epoch, as AMQP carries it.
    case timestamp(UInt64)
    case table(FieldTable)
    case array([FieldValue])
    case void

    /// The value as a string when it is one (or UTF-8 bytes), for reading headers.
    public var stringValue: String? {
        switch self {
        case .string(let value): return value
        case .bytes(let value): return String(validating: value, as: UTF8.self)
        default: return nil
        }
    }

    /// The value as an integer when it is any integer kind.
    public var intValue: Int? {
        switch self {
        case .int8(let value): return Int(value)
        case .uint8(let value): return Int(value)
        case .int16(let value): return Int(value)
        case .uint16(let value): return Int(value)
        case .int32(let value): return Int(value)
        case .uint32(let value): return Int(value)
        case .int64(let value): return Int(value)
        case .timestamp(let value): return Int(exactly: value)
        default: return nil
        }
    }
}

/// Headers and arguments: a string-keyed table of field values.
public typealias FieldTable = [String: FieldValue]

extension FieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    /// Integers become 64-bit (`l`), which RabbitMQ accepts for every numeric argument.
    public init(integerLiteral value: Int64) { self = .int64(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: FieldValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, FieldValue)...) {
        self = .table(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
