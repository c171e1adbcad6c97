import Foundation
import Testing
import Topology
@testable import Warren

@Suite struct PayloadValidatorTests {
    let here = SourceLocation(file: "test.yaml", line: 1, column: 1)

    var fields: [Field] {
        [
            Field(name: "requestId", type: .int, location: here),
            Field(name: "price", type: .decimal, location: here),
            Field(name: "place", type: .string, location: here),
            Field(name: "paid", type: .bool, location: here),
            Field(name: "status", type: .enumeration(["Requested", "Cancelled"]), location: here),
            Field(name: "note", type: .optional(.string), location: here),
            Field(name: "tags", type: .list(.uuid), location: here),
            Field(name: "at", type: .dateTime, location: here),
        ]
    }

    func problems(_ json: String) -> [String] {
        PayloadValidator.validate(Data(json.utf8), against: fields).map(\.description)
    }

    @Test func aValidBodyHasNoViolations() {
        #expect(problems(#"{"requestId":1,"price":"12.50","place":"Seoul","paid":true,"status":"Requested","tags":["3F2504E0-4F89-11D3-9A0C-0305E82C3301"],"at":"2026-11-21T10:00:00Z","extra":1}"#) == [])
        #expect(problems(#"{"requestId":1,"price":12.5,"place":"x","paid":false,"status":"Cancelled","note":null,"tags":[],"at":"2026-11-21T10:00:00.123Z"}"#) == [])
    }

    @Test func everyWrongFieldIsNamedWithWhatWasExpected() {
        let found = problems(#"{"requestId":"one","price":"abc","place":5,"paid":1,"status":"Lost","tags":["nope"],"at":"yesterday"}"#)
        #expect(found == [
            "`requestId` must be an integer, got a string \"one\"",
            "`price` must be a decimal number, got a string \"abc\"",
            "`place` must be a string, got a number 5",
            "`paid` must be true or false, got a number 1",
            "`status` must be one of Requested, Cancelled, got \"Lost\"",
            "`tags[0]` must be a UUID string, got a string \"nope\"",
            "`at` must be an RFC 3339 date-time string, got a string \"yesterday\"",
        ])
    }

    @Test func missingRequiredFieldsAreReportedAndOptionalOnesAreNot() {
        #expect(problems("{}") == [
            "`requestId` is missing: it is a required int", "`price` is missing: it is a required decimal",
            "`place` is missing: it is a required string", "`paid` is missing: it is a required bool",
            "`status` is missing: it is a required enum(Requested, Cancelled)", "`tags` is missing: it is a required list(uuid)",
            "`at` is missing: it is a required date-time",
        ])
    }

    /// A handler decodes a decimal as Foundation's Decimal: a number it cannot hold is a
    /// violation here rather than an undecodable body there.
    @Test func aDecimalOutOfDecimalsRangeIsAViolation() {
        let base = #""requestId":1,"place":"x","paid":false,"status":"Cancelled","tags":[],"at":"2026-11-21T10:00:00Z""#
        #expect(problems("{\(base),\"price\":1e127}") == [])
        #expect(problems("{\(base),\"price\":1e-128}") == [])
        #expect(problems("{\(base),\"price\":1e160}") == ["`price` must be a decimal number from 1e-128 to 1e127 in size, got 1e+160"])
        #expect(problems("{\(base),\"price\":-1e-200}").count == 1)
    }

    @Test func bodiesThatAreNotObjectsAreOneViolation() {
        #expect(problems("") == ["`$` is empty: expected a JSON object"])
        #expect(problems("[1,2]") == ["`$` must be a JSON object, got a list"])
        #expect(problems("{\"requestId\":").first?.hasPrefix("`$` is not valid JSON") == true)
    }
}
