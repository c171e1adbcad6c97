import Testing
@testable import LibrarySystem

/// Rental ids (and kiosk attempt ids) derived from message ids (the runtime's `StableId`): the
/// same message, the same id.
@Suite struct StableIdTests {
    @Test func theSameMessageIdGivesTheSameRentalIdWithinJavaScriptsExactIntegers() {
        let ids = (0..<1000).map { Rental.rentalId(messageId: "message-\($0)") }
        #expect(ids == (0..<1000).map { Rental.rentalId(messageId: "message-\($0)") }, "a redelivery asks with the same id")
        #expect(ids.allSatisfy { (1...(1 << 53) - 1).contains($0) }, "exact in JavaScript, never 0")
        #expect(Set(ids).count == 1000, "distinct messages, distinct rentals")
    }
}
