import Testing
import Warren

/// The keyed card hash (HMAC-SHA256, swift-crypto) gives RFC 4231's vectors, and stable ids are
/// repeatable, positive and exact in JavaScript: ids and card hashes rest on them.
@Suite struct StableIdTests {
    @Test func hmacMatchesRFC4231() {
        // Test case 1: a 20-byte key.
        #expect(KeyedHash.hex(of: Array("Hi There".utf8), key: [UInt8](repeating: 0x0b, count: 20))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        // Test case 2: a short key.
        #expect(KeyedHash.hex(of: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a key longer than the block, hashed first.
        #expect(KeyedHash.hex(of: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                              key: [UInt8](repeating: 0xaa, count: 131))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func stableIdsAreRepeatablePositiveAndExactInJavaScript() {
        let id = StableId.from(messageId: "3f2a9e7c-1b7d-4a55-9a57-1d3c4e5f6a7b")
        #expect(id == StableId.from(messageId: "3f2a9e7c-1b7d-4a55-9a57-1d3c4e5f6a7b"), "a redelivery must ask with the same id")
        #expect(id != StableId.from(messageId: "3f2a9e7c-1b7d-4a55-9a57-1d3c4e5f6a7c"))
        var seen = Set<Int>()
        for index in 0..<10_000 {
            let id = StableId.from(messageId: "message-\(index)")
            #expect((1...StableId.maximum).contains(id))
            seen.insert(id)
        }
        #expect(seen.count == 10_000, "no collision among 10,000 ids")
    }

    /// The first 53 bits of the message id's SHA-256, as Python's hashlib computes them
    /// (`int.from_bytes(sha256(id).digest()[:7], "big") >> 3`): the same ids as the hand-written
    /// SHA-256 that swift-crypto replaced, so stored reservations keep theirs.
    @Test func stableIdsAreTheFirst53BitsOfTheSHA256() {
        #expect(StableId.from(messageId: "3f2a9e7c-1b7d-4a55-9a57-1d3c4e5f6a7b") == 5_289_577_027_228_072)
    }
}
