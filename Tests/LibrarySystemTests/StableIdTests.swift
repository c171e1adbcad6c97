import Testing
@testable import LibrarySystem

/// Rental ids (and kiosk attempt ids) derived from message ids: the same message, the same id.
@Suite struct StableIdTests {
    @Test func theSameMessageIdGivesTheSameRentalIdWithinJavaScriptsExactIntegers() {
        let ids = (0..<1000).map { Rental.rentalId(messageId: "message-\($0)") }
        #expect(ids == (0..<1000).map { Rental.rentalId(messageId: "message-\($0)") }, "a redelivery asks with the same id")
        #expect(ids.allSatisfy { (1...(1 << 53) - 1).contains($0) }, "exact in JavaScript, never 0")
        #expect(Set(ids).count == 1000, "distinct messages, distinct rentals")
    }

    @Test func theCopiedHashIsSHA256() {
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
