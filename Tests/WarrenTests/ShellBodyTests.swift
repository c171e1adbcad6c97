import Foundation
import Testing
import Topology
import Warren

private let here = SourceLocation(file: "test", line: 1, column: 1)

@Suite struct ShellBodyTests {
    let fields = [
        Field(name: "requestId", type: .int, location: here), Field(name: "price", type: .decimal, location: here),
        Field(name: "place", type: .string, location: here), Field(name: "approved", type: .optional(.bool), location: here),
    ]

    @Test func wordsAreTypedByTheDeclaredFields() throws {
        let body = try ShellBody.build(["requestId=7", "price=12.5", "place=Seoul", "approved=true"], fields: fields)
        #expect(String(decoding: body, as: UTF8.self) == #"{"approved":true,"place":"Seoul","price":12.5,"requestId":7}"#)
    }

    @Test func rawJSONAfterColonEquals() throws {
        let body = try ShellBody.build(["place:=\"Busan\"", "requestId:=8"], fields: fields)
        #expect(String(decoding: body, as: UTF8.self) == #"{"place":"Busan","requestId":8}"#)
    }

    @Test func problemsNameTheWord() {
        #expect(throws: ShellBody.Problem.self) { try ShellBody.build(["requestId=seven"], fields: fields) }
        do {
            _ = try ShellBody.build(["colour=red"], fields: fields)
        } catch {
            #expect(error.description.contains("`colour` is not a field"))
        }
    }
}
