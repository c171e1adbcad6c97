import Foundation
import Testing
@testable import Warren

@Suite struct JSONParserTests {
    func parsed(_ text: String) throws -> JSONValue { try JSONValue(parsing: Data(text.utf8)) }

    func problem(_ text: String) -> String? {
        do {
            _ = try JSONValue(parsing: Data(text.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    /// What the runtime validated before with JSONDecoder, it reads the same now.
    @Test(arguments: [
        #"{"a":1,"b":-2.5,"c":"x","d":true,"e":false,"f":null,"g":[1,[2,{}]],"h":{"i":"j"}}"#,
        "1.0", "1e2", "-0", "100e-2", "12345678901234567890", "-9223372036854775808", "9223372036854775808", "1.5",
        #""a\u0000b""#, #""\"\\\/\b\f\n\r\t""#, #""\ud83d\ude00 é ü 中""#, "\"\u{7F}\"", "  {}  ", "[]", #"{"a":1,"a":2}"#,
        "1e127", "1e-128", "0.1",
    ])
    func readsWhatJSONDecoderReads(_ text: String) throws {
        #expect(try parsed(text) == JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))
    }

    /// A number read as an integer passes an int field's check, so a handler must decode it
    /// as one: past 2^53 JSONDecoder goes through a Double and may not (CI once dead-lettered
    /// `548357.1855120048382367391e+13`, a Double's integral rounding of a number that is not).
    @Test(arguments: [
        ("548357.1855120048382367391e+13", nil), ("1.00000000000000001", nil), ("9.223372036854775e18", nil), ("1e20", nil),
        ("12345678901234567.0", nil), ("9007199254740993.0", nil), ("15e3", 15_000), ("1.5e1", 15), ("0.0e5", 0), ("-2.50e1", -25),
        ("9223372036854775807", Int64.max),
    ] as [(String, Int64?)])
    func aNumberIsAnIntegerOnlyWhereAHandlerDecodesOne(_ token: String, _ integer: Int64?) throws {
        struct Field: Decodable { var value: Int }
        let json = Data("{\"value\":\(token)}".utf8)
        guard case .object(let members) = try JSONValue(parsing: json), let value = members["value"] else {
            Issue.record("\(token) did not parse into an object with its value")
            return
        }
        guard let integer else {
            if case .integer(let whole) = value { Issue.record("\(token) read as the integer \(whole)") }
            return
        }
        #expect(value == .integer(integer))
        #expect(try JSONDecoder().decode(Field.self, from: json).value == Int(integer), "a handler decodes \(token) otherwise")
    }

    @Test func wholeNumbersWithAFractionOrExponentAreIntegersAndOthersAreNot() throws {
        #expect(try parsed("15e3") == .integer(15_000))
        #expect(try parsed("-2.50e1") == .integer(-25))
        #expect(try parsed("0.0e5") == .integer(0))
        #expect(try parsed("548357.1855120048382367391e+13") == .number(5_483_571_855_120_048_382.367391))
        #expect(try parsed("1.00000000000000001") == .number(1.00000000000000001))
    }

    @Test func bytesAfterTheValueNameWhereTheyStart() {
        #expect(problem(#"{"a":1} x"#) == "unexpected `x` after the value at byte 8")
    }

    @Test(arguments: [
        ("", "expected a value, found end of input at byte 0"),
        (#"{"requestId":"#, "expected a value, found end of input at byte 13"),
        ("[1,]", "expected a value, found `]` at byte 3"),
        ("[1 2]", "expected `,` or `]` in a list, found `2` at byte 3"),
        (#"{"a" 1}"#, "expected `:` after a member name, found `1` at byte 5"),
        ("{a:1}", "expected a member name in quotes, found `a` at byte 1"),
        ("01", "a number must not start with 0 at byte 1"),
        ("1.", "a number needs a digit after `.` at byte 2"),
        ("-", "a number needs a digit after `-` at byte 1"),
        (".5", "expected a value, found `.` at byte 0"),
        ("+1", "expected a value, found `+` at byte 0"),
        ("1E400", "the number 1E400 is out of range at byte 0"),
        ("nul", "expected a value, found `n` at byte 0"),
        ("\"tab\there\"", "a control character (0x9) in a string must be escaped at byte 4"),
        (#""\x""#, #"unknown escape `\x` in a string at byte 2"#),
        (#""\ud800""#, #"a lone high surrogate \uD800 in a string at byte 7"#),
        (#""\udc00""#, #"a lone low surrogate \uDC00 in a string at byte 7"#),
        (#""\u12"#, #"a \u escape needs four hex digits at byte 5"#),
        (#""open"#, "a string is not closed at byte 5"),
    ])
    func malformedJSONIsNamedWithItsOffset(_ text: String, _ expected: String) {
        #expect(problem(text) == expected)
    }

    @Test func invalidUTF8AndDeepNestingAreRefused() throws {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: Data([0x22, 0xFF, 0x22])) }
        #expect(problem(String(repeating: "[", count: 600))?.hasPrefix("nesting deeper than 512 levels") == true)
        #expect(try parsed(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) != .null)
    }
}
