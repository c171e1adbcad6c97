import Foundation
import Warren

/// The message id of a command sent through the gateway.
///
/// Without `Idempotency-Key` it is a fresh random UUID. With one it is a name-based UUID
/// (RFC 9562 version 5) of the key, the method and the path, so a retried request publishes
/// the same `message_id` again: the worker's inbox recognises it and answers with the reply it
/// stored the first time, and no second effect happens. Method and path are part of the name so
/// that one key reused on another route is another command.
enum MessageIdentity {
    /// The namespace of Warren ingress names (a fixed random UUID).
    static let namespace = UUID(uuidString: "6f1d7c4e-2b1a-4c55-9a3e-8f0b6d2e91a7")!

    static func messageId(idempotencyKey: String?, method: String, path: String) -> String {
        guard let idempotencyKey else { return Identifier.uuid() }
        return nameBased(namespace: namespace, name: "\(method) \(path)\n\(idempotencyKey)").uuidString.lowercased()
    }

    /// RFC 9562 section 5.5: SHA-1 of namespace and name, version 5, variant 10.
    static func nameBased(namespace: UUID, name: String) -> UUID {
        let ns = namespace.uuid
        var input: [UInt8] = [ns.0, ns.1, ns.2, ns.3, ns.4, ns.5, ns.6, ns.7, ns.8, ns.9, ns.10, ns.11, ns.12, ns.13, ns.14, ns.15]
        input.append(contentsOf: Array(name.utf8))
        var hash = SHA1.digest(input)
        hash[6] = (hash[6] & 0x0F) | 0x50
        hash[8] = (hash[8] & 0x3F) | 0x80
        return UUID(uuid: (hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7],
                           hash[8], hash[9], hash[10], hash[11], hash[12], hash[13], hash[14], hash[15]))
    }
}

/// SHA-1 (FIPS 180-4), only for name-based UUIDs: the UUID standard fixes the hash, and no
/// security rests on it here. Written out because the package has no crypto dependency.
enum SHA1 {
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        var padded = message
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        let bits = UInt64(message.count) * 8
        for shift in stride(from: 56, through: 0, by: -8) { padded.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }

        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: padded.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + i * 4
                w[i] = UInt32(padded[j]) << 24 | UInt32(padded[j + 1]) << 16 | UInt32(padded[j + 2]) << 8 | UInt32(padded[j + 3])
            }
            for i in 16..<80 { w[i] = rotate(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1) }
            var (a, b, c, d, e) = h
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32) = switch i {
                case 0..<20: ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (b ^ c ^ d, 0xCA62_C1D6)
                }
                let temp = rotate(a, 5) &+ f &+ e &+ k &+ w[i]
                (e, d, c, b, a) = (d, c, rotate(b, 30), a, temp)
            }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
        }
        return [h.0, h.1, h.2, h.3, h.4].flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - $0 * 8)) } }
    }

    private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 { value << count | value >> (32 - count) }
}
