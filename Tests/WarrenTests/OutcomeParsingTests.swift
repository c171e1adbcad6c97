import Foundation
import Testing
@testable import Warren

/// `Outcome(json:)` reads what `JSONDecoder` reads, and refuses what it refuses, naming the field.
@Suite struct OutcomeParsingTests {
    static let outcomes: [Outcome] = [
        .done,
        try! .created(id: 42, ["name": JSONValue.string("방 1"), "price": .integer(120_000), "rate": .number(0.25),
                               "paid": .bool(true), "note": .null, "tags": .array([.string("a"), .integer(-3), .number(1.5e300)]),
                               "nested": .object(["deep": .array([.object([:]), .array([])])])]),
        try! .done(["status": "reserved"]),
        Outcome(result: .created, id: "a/b \"c\""),
    ] + Outcome.Refusal.Kind.allCases.map { .refused($0, "because \($0) \u{1F6AB}") }

    @Test(arguments: outcomes)
    func anEncodedOutcomeReadsBackAsJSONDecoderReadsIt(_ outcome: Outcome) throws {
        let json = try JSONEncoder.warren.encode(outcome)
        #expect(try Outcome(json: json) == outcome)
        #expect(try Outcome(json: json) == JSONDecoder.warren.decode(Outcome.self, from: json))
    }

    @Test func nullOptionalsAreAbsentAndUnknownKeysIgnored() throws {
        let json = Data(#"{"result":"done","id":null,"resource":null,"refusal":null,"extra":[1,2]}"#.utf8)
        #expect(try Outcome(json: json) == .done)
        #expect(try JSONDecoder.warren.decode(Outcome.self, from: json) == .done)
    }

    @Test(arguments: [
        (#"{"result": "done""#, "not JSON"),
        (#"[1]"#, "`$` is not an object but a list"),
        (#"{"id": "1"}"#, "`result` is missing"),
        (#"{"result": "maybe"}"#, "`result` is not one of created, done, refused"),
        (#"{"result": "created", "id": 5}"#, "`id` is not a string but a number"),
        (#"{"result": "refused", "refusal": "no"}"#, "`refusal` is not an object but a string"),
        (#"{"result": "refused", "refusal": {"kind": "bored", "reason": "x"}}"#, "`refusal.kind` is not one of invalid, declined"),
        (#"{"result": "refused", "refusal": {"kind": "invalid"}}"#, "`refusal.reason` is missing"),
    ])
    func aMalformedOutcomeIsRefusedNamingTheField(_ json: String, _ expected: String) {
        #expect(throws: Outcome.Malformed.self) { try Outcome(json: Data(json.utf8)) }
        do {
            _ = try Outcome(json: Data(json.utf8))
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
        #expect((try? JSONDecoder.warren.decode(Outcome.self, from: Data(json.utf8))) == nil)
    }
}
