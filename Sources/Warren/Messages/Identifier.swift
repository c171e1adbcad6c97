import Synchronization

/// Message ids and trace ids, made without a system call each.
///
/// Foundation's `UUID()` and `UInt8.random` ask the kernel's generator (getrandom) on every
/// call: 2 % of a worker's CPU in bench/rpc's profile, a reply's trace span alone taking eight
/// calls. Ids must be unique, not secret: SplitMix64 over a counter seeded once from the
/// kernel gives values that never repeat within a process (its mix is a bijection of the
/// counter) and, from a random seed, that no other process is likely to share.
public enum Identifier {
    private static let counter = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    public static func next() -> UInt64 {
        var z = counter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random (version 4, RFC 9562) UUID in lowercase, as `UUID().uuidString.lowercased()` writes it.
    public static func uuid() -> String {
        let high = next() & ~0xF000 | 0x4000
        let low = next() & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var at = 0
            for digit in 0..<32 {
                if digit == 8 || digit == 12 || digit == 16 || digit == 20 {
                    buffer[at] = UInt8(ascii: "-")
                    at += 1
                }
                let word = digit < 16 ? high : low
                buffer[at] = hexDigits[Int(word >> UInt64(60 - 4 * (digit % 16)) & 0xF)]
                at += 1
            }
            return at
        }
    }

    /// `count` random bytes (at most 8 per word) in lowercase hex.
    public static func hex(bytes count: Int) -> String {
        String(unsafeUninitializedCapacity: count * 2) { buffer in
            var word = next()
            for index in 0..<count * 2 {
                if index > 0 && index % 16 == 0 { word = next() }
                buffer[index] = hexDigits[Int(word & 0xF)]
                word >>= 4
            }
            return count * 2
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
