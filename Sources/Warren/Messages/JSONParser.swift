import Foundation

extension JSONValue {
    /// Why a body is not JSON, with the byte offset where reading stopped.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let offset: Int
        public let problem: String
        public var description: String { "\(problem) at byte \(offset)" }
    }

    /// Parses RFC 8259 JSON strictly (no trailing commas, no control characters in strings,
    /// valid UTF-8, at most 512 levels deep) into the values `init(from:)` gives: a whole
    /// number is `.integer` when written as one within Int64, or with a fraction or exponent
    /// whose digits make it exactly whole within ±2^53 (`1.0`, `1e2`); any other `.number`. Of
    /// repeated object keys the first wins.
    ///
    /// Every delivery's body is checked before its handler runs, so this is on the hot path:
    /// it reads the bytes once, where a `JSONDecoder` into this enum tried each case in turn
    /// and threw (and built) a decoding error for every miss.
    public init(parsing data: Data) throws(ParseError) {
        let parsed: Result<JSONValue, ParseError> = data.withUnsafeBytes { bytes in
            var parser = JSONParser(bytes)
            do throws(ParseError) {
                parser.skipWhitespace()
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.atEnd else { throw parser.failure("unexpected \(parser.describeNext()) after the value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        self = try parsed.get()
    }
}

/// A cursor over the bytes of one JSON text.
private struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    var next: UInt8? { index < bytes.count ? bytes[index] : nil }

    func failure(_ problem: String) -> JSONValue.ParseError { .init(offset: index, problem: problem) }

    func describeNext() -> String {
        guard let byte = next else { return "end of input" }
        if byte >= 0x21 && byte < 0x7F { return "`\(Character(Unicode.Scalar(byte)))`" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    mutating func skipWhitespace() {
        while let byte = next, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    mutating func value(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard depth < 512 else { throw failure("nesting deeper than 512 levels") }
        guard let byte = next else { throw failure("expected a value, found end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("expected a value, found \(describeNext())")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONValue.ParseError) {
        let start = index
        for offset in 0..<word.utf8CodeUnitCount {
            guard next == word.utf8Start[offset] else {
                index = start
                throw failure("expected a value, found \(describeNext())")
            }
            index += 1
        }
    }

    mutating func object(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        var members: [String: JSONValue] = [:]
        try elements(closedBy: UInt8(ascii: "}"), in: "an object") { parser throws(JSONValue.ParseError) in
            guard parser.next == UInt8(ascii: "\"") else {
                throw parser.failure("expected a member name in quotes, found \(parser.describeNext())")
            }
            let key = try parser.string()
            parser.skipWhitespace()
            guard parser.next == UInt8(ascii: ":") else {
                throw parser.failure("expected `:` after a member name, found \(parser.describeNext())")
            }
            parser.index += 1
            parser.skipWhitespace()
            let member = try parser.value(depth: depth + 1)
            if members[key] == nil { members[key] = member }
        }
        return .object(members)
    }

    mutating func array(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        var items: [JSONValue] = []
        try elements(closedBy: UInt8(ascii: "]"), in: "a list") { parser throws(JSONValue.ParseError) in
            items.append(try parser.value(depth: depth + 1))
        }
        return .array(items)
    }

    /// Past an opening `{` or `[`: `element` for each comma-separated element up to `closer`.
    /// An empty object or list is allowed; a trailing comma is not.
    mutating func elements(closedBy closer: UInt8, in container: String,
                           _ element: (inout JSONParser) throws(JSONValue.ParseError) -> Void) throws(JSONValue.ParseError) {
        index += 1
        skipWhitespace()
        if next == closer {
            index += 1
            return
        }
        while true {
            try element(&self)
            skipWhitespace()
            switch next {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case closer:
                index += 1
                return
            default:
                throw failure("expected `,` or `\(Character(Unicode.Scalar(closer)))` in \(container), found \(describeNext())")
            }
        }
    }

    /// A string without escapes is one validated copy of its bytes; escapes take the slow path.
    mutating func string() throws(JSONValue.ParseError) -> String {
        index += 1  // "
        let start = index
        while let byte = next {
            if byte == UInt8(ascii: "\"") {
                let text = try utf8(from: start, to: index)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(prefix: try utf8(from: start, to: index)) }
            if byte < 0x20 { throw failure("a control character (0x\(String(byte, radix: 16, uppercase: true))) in a string must be escaped") }
            index += 1
        }
        throw failure("a string is not closed")
    }

    func utf8(from start: Int, to end: Int) throws(JSONValue.ParseError) -> String {
        guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) else {
            throw JSONValue.ParseError(offset: start, problem: "a string is not valid UTF-8")
        }
        return text
    }

    mutating func escapedString(prefix: String) throws(JSONValue.ParseError) -> String {
        var text = prefix
        var run = index
        while let byte = next {
            switch byte {
            case UInt8(ascii: "\""):
                text += try utf8(from: run, to: index)
                index += 1
                return text
            case UInt8(ascii: "\\"):
                text += try utf8(from: run, to: index)
                index += 1
                text.unicodeScalars.append(try escape())
                run = index
            case 0..<0x20:
                throw failure("a control character (0x\(String(byte, radix: 16, uppercase: true))) in a string must be escaped")
            default:
                index += 1
            }
        }
        throw failure("a string is not closed")
    }

    /// The character after a backslash (which was consumed); `\u` pairs surrogates.
    mutating func escape() throws(JSONValue.ParseError) -> Unicode.Scalar {
        guard let byte = next else { throw failure("a string is not closed") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hex4()
            if (0xD800..<0xDC00).contains(unit) {
                guard next == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("a lone high surrogate \\u\(String(unit, radix: 16, uppercase: true)) in a string")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else {
                    throw failure("\\u\(String(unit, radix: 16, uppercase: true)) must be followed by a low surrogate")
                }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(unit) else {
                throw failure("a lone low surrogate \\u\(String(unit, radix: 16, uppercase: true)) in a string")
            }
            return scalar
        default:
            index -= 1
            throw failure("unknown escape `\\\(Character(Unicode.Scalar(byte)))` in a string")
        }
    }

    mutating func hex4() throws(JSONValue.ParseError) -> UInt32 {
        var unit: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = next else { throw failure("a \\u escape needs four hex digits") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("a \\u escape needs four hex digits")
            }
            unit = unit << 4 | digit
            index += 1
        }
        return unit
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func number() throws(JSONValue.ParseError) -> JSONValue {
        let start = index
        if next == UInt8(ascii: "-") { index += 1 }
        guard let first = next, first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") else {
            throw failure("a number needs a digit after `-`")
        }
        let integerStart = index
        index += 1
        if first == UInt8(ascii: "0"), let following = next, following >= UInt8(ascii: "0") && following <= UInt8(ascii: "9") {
            throw failure("a number must not start with 0")
        }
        skipDigits()
        let integerDigits = index - integerStart
        var plain = true
        if next == UInt8(ascii: ".") {
            plain = false
            index += 1
            guard digits() else { throw failure("a number needs a digit after `.`") }
        }
        // The digits, with the point if there is one.
        let mantissa = integerStart..<index
        var exponent = 0
        if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            plain = false
            index += 1
            let negative = next == UInt8(ascii: "-")
            if negative || next == UInt8(ascii: "+") { index += 1 }
            let exponentStart = index
            guard digits() else { throw failure("a number needs a digit in its exponent") }
            // Capped: past that the value is zero or out of range either way.
            for offset in exponentStart..<index { exponent = min(exponent * 10 + Int(bytes[offset] - UInt8(ascii: "0")), 99_999) }
            if negative { exponent = -exponent }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if plain, let whole = Int64(text) { return .integer(whole) }
        if let whole = wholeNumber(digits: mantissa, point: integerDigits + exponent, negative: bytes[start] == UInt8(ascii: "-")) {
            return .integer(whole)
        }
        guard let real = Double(text), real.isFinite else {
            throw JSONValue.ParseError(offset: start, problem: "the number \(text) is out of range")
        }
        return .number(real)
    }

    /// A number written with a fraction or an exponent (`1.0`, `1e2`) as the whole number it
    /// is, read exactly from its digits (`point` of them before the decimal point, after the
    /// exponent), within ±2^53: JSONDecoder reads those as integers too, where past 2^53 it
    /// goes through a Double and may not.
    func wholeNumber(digits: Range<Int>, point: Int, negative: Bool) -> Int64? {
        var value: Int64 = 0
        var position = 0
        for offset in digits {
            let byte = bytes[offset]
            guard byte != UInt8(ascii: ".") else { continue }
            let digit = Int64(byte - UInt8(ascii: "0"))
            if position >= point {
                guard digit == 0 else { return nil }  // a fraction that is not zero
            } else {
                value = value * 10 + digit
                guard value <= 1 << 53 else { return nil }
            }
            position += 1
        }
        // Zeros the exponent adds after the digits (`15e3`).
        var missing = point - position
        while missing > 0 && value != 0 {
            value *= 10
            guard value <= 1 << 53 else { return nil }
            missing -= 1
        }
        return negative ? -value : value
    }

    mutating func skipDigits() {
        while let byte = next, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { index += 1 }
    }

    /// True when at least one digit was read.
    mutating func digits() -> Bool {
        let start = index
        skipDigits()
        return index > start
    }
}
