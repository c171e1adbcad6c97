import Foundation

/// A Swift value that can be bound to a `$n` parameter, in PostgreSQL's text format.
///
/// Parameters go out untyped (OID 0): the server infers each one's type from the statement, the way
/// it types a quoted literal, so a `String` can feed a `jsonb` or `uuid` column.
public protocol PostgresEncodable: Sendable {
    /// The text PostgreSQL's input function for the target type accepts; `nil` for SQL NULL.
    var postgresText: String? { get }
}

/// A Swift value that can be read from a column in PostgreSQL's text format.
public protocol PostgresDecodable: Sendable {
    /// Parses the column's text; `nil` if it is not a valid value of this type.
    init?(postgresText text: String)
    /// The value SQL NULL decodes to; `nil` (the default) means NULL is an error for this type.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let value = Wrapped(postgresText: text) else { return nil }
        self = .some(value)
    }
    public static var postgresNull: Self? { .some(.none) }
}

// MARK: Text, also for json/jsonb, xml, enum types

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self }
    public init?(postgresText text: String) { self = text }
}

extension Substring: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

// MARK: Integers; a too large value is a decoding error, not a silent truncation

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText text: String) { self.init(text) }
}

extension Int16: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText text: String) { self.init(text) }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText text: String) { self.init(text) }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText text: String) { self.init(text) }
}

// MARK: Floating point; PostgreSQL spells the specials NaN, Infinity, -Infinity

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return description
    }
    public init?(postgresText text: String) { self.init(text) }
}

extension Float: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { Double(self).postgresText }
    public init?(postgresText text: String) { self.init(text) }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self ? "t" : "f" }
    public init?(postgresText text: String) {
        switch text {
        case "t": self = true
        case "f": self = false
        default: return nil
        }
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { uuidString }
    public init?(postgresText text: String) { self.init(uuidString: text) }
}

/// `numeric`: exact, unlike `Double`. NaN and infinities have no `Decimal` form and fail to decode.
extension Decimal: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { isNaN ? "NaN" : description }
    public init?(postgresText text: String) {
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
            let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        self = value
    }
}

/// `timestamptz`, `timestamp` (read as UTC) and `date`; sent with microsecond precision in UTC.
extension Date: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { TimestampText.format(self) }
    public init?(postgresText text: String) {
        guard let date = TimestampText.parse(text) else { return nil }
        self = date
    }
}

// MARK: bytea, in the hex format (the server default since 9.0)

extension Data: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { ByteaText.format(self) }
    public init?(postgresText text: String) {
        guard let bytes = ByteaText.parse(text) else { return nil }
        self.init(bytes)
    }
}

extension Array: PostgresEncodable where Element == UInt8 {
    public var postgresText: String? { ByteaText.format(self) }
}

extension Array: PostgresDecodable where Element == UInt8 {
    public init?(postgresText text: String) {
        guard let bytes = ByteaText.parse(text) else { return nil }
        self = bytes
    }
}

enum ByteaText {
    private static let digits = Array("0123456789abcdef".utf8)

    static func format(_ bytes: some Collection<UInt8>) -> String {
        var text: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        text.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func parse(_ text: String) -> [UInt8]? {
        let utf8 = text.utf8
        guard utf8.starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "x")]), utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2 - 1)
        var iterator = utf8.dropFirst(2).makeIterator()
        while let high = iterator.next() {
            guard let high = hexValue(high), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
