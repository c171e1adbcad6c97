import Testing
@testable import CleaningSystem

/// SHA-256 and HMAC-SHA256 give the published test vectors; ids and card hashes rest on them.
@Suite struct HashingTests {
    @Test func sha256MatchesTheFIPSVectors() {
        #expect(SHA256.hex(SHA256.hash(Array("".utf8))) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hmacMatchesRFC4231() {
        // Test case 1: a 20-byte key.
        #expect(SHA256.hex(SHA256.authenticationCode(Array("Hi There".utf8), key: [UInt8](repeating: 0x0b, count: 20)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        // Test case 2: a short key.
        #expect(SHA256.hex(SHA256.authenticationCode(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a key longer than the block, hashed first.
        #expect(SHA256.hex(SHA256.authenticationCode(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                                                     key: [UInt8](repeating: 0xaa, count: 131)))
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
}
