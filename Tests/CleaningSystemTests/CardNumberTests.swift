import Testing
import Warren
@testable import CleaningSystem

/// A card number is kept as its last four digits and a keyed hash, and never shows whole.
@Suite struct CardNumberTests {
    let key = Array("a test key of sixteen bytes or more".utf8)

    @Test func eightToNineteenDigitsAreAccepted() throws {
        let card = try CardNumber("40095003", key: key)
        #expect(card.last4 == "5003")
        #expect(card.masked == "****5003")
        #expect(try CardNumber("4111 1111 1111 1111", key: key).masked == "************1111")
        #expect(try CardNumber("4111-1111-1111-1111-111", key: key).last4 == "1111")
    }

    @Test(arguments: ["1234567", "12345678901234567890", "", "4009500a", "٤٠٠٩٥٠٠٣٤", "1234567.8"])
    func otherNumbersAreRefusedWithAReason(_ number: String) {
        #expect(throws: CardNumber.Invalid.self) { try CardNumber(number, key: key) }
    }

    @Test func theHashIsKeyedAndStable() throws {
        let card = try CardNumber("40095003", key: key)
        #expect(card.hash == KeyedHash.hex(of: Array("40095003".utf8), key: key))
        #expect(card.hash == (try CardNumber("4009-5003", key: key)).hash, "separators do not change the card")
        #expect(card.hash != (try CardNumber("40095003", key: Array("another key of sixteen bytes".utf8))).hash)
        #expect(card.hash.count == 64)
    }

    @Test func noDescriptionShowsTheNumber() throws {
        let card = try CardNumber("4111111111111111", key: key)
        let command = PayMethod.RegisterPayMethod(kind: "credit", number: "4111111111111111", requestId: 1)
        for text in [String(describing: card), String(reflecting: card), "\(card)", String(describing: command),
                     String(reflecting: command), "\(Mirror(reflecting: command).children.map { "\($0.value)" })",
                     String(describing: PayMethod.ChangePayMethod(id: 1, kind: nil, number: "4111111111111111"))] {
            #expect(!text.contains("4111111111111111"), "leaks the number: \(text)")
            #expect(!text.contains("41111111"), "leaks the number: \(text)")
        }
    }
}
