import Foundation
import Testing
@testable import Warren

@Suite struct IdentifierTests {
    @Test func uuidsAreVersion4AndParseAsUUIDs() {
        for _ in 0..<1000 {
            let text = Identifier.uuid()
            let uuid = UUID(uuidString: text)
            #expect(uuid != nil, "\(text) is not a UUID")
            #expect(uuid?.uuidString.lowercased() == text)
            let bytes = uuid.map { Array(withUnsafeBytes(of: $0.uuid) { $0 }) } ?? []
            #expect(bytes.count == 16 && bytes[6] >> 4 == 4 && bytes[8] >> 6 == 0b10, "\(text): not version 4, variant 10")
        }
    }

    @Test func idsDoNotRepeatAcrossThreads() async {
        let all = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<20_000).map { _ in Identifier.uuid() } } }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(Set(all).count == 80_000)
    }

    @Test func hexHasTwoLowercaseDigitsPerByte() {
        for count in [8, 16] {
            let text = Identifier.hex(bytes: count)
            #expect(text.count == count * 2 && text.allSatisfy { "0123456789abcdef".contains($0) })
        }
        #expect(Identifier.hex(bytes: 16) != Identifier.hex(bytes: 16))
    }
}
