import CRabbitMQ
import Foundation

/// C memory for one outgoing method or message, freed when the arena goes away.
///
/// rabbitmq-c takes `amqp_bytes_t` and tables by pointer and never copies them before encoding;
/// `amqp_cstring_bytes` on a Swift string would point into a temporary. Everything we hand to the
/// library is copied here first and lives until the call that encodes it has returned.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        for pointer in allocations { free(pointer) }
    }

    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = malloc(max(1, MemoryLayout<T>.stride * count))!
        allocations.append(raw)
        return raw.bindMemory(to: T.self, capacity: count)
    }

    func bytes(_ string: String) -> amqp_bytes_t {
        var copy = string
        return copy.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    func bytes(_ buffer: UnsafeRawBufferPointer) -> amqp_bytes_t {
        guard buffer.count > 0 else { return amqp_bytes_t(len: 0, bytes: nil) }
        let raw = malloc(buffer.count)!
        allocations.append(raw)
        raw.copyMemory(from: buffer.baseAddress!, byteCount: buffer.count)
        return amqp_bytes_t(len: buffer.count, bytes: raw)
    }

    func bytes(_ array: [UInt8]) -> amqp_bytes_t {
        array.withUnsafeBytes { bytes($0) }
    }
}

extension amqp_bytes_t {
    /// A copy of the bytes as a Swift string (AMQP short strings are UTF-8).
    var string: String {
        guard len > 0, let bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: len), as: UTF8.self)
    }

    var array: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }

    static var empty: amqp_bytes_t { amqp_bytes_t(len: 0, bytes: nil) }
}
