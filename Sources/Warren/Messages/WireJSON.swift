import Foundation

// How every message body, reply and stored envelope is written and read: one pair, so that
// what one side writes the other reads.

extension JSONEncoder {
    /// Sorted keys and ISO 8601 dates: stable bodies that any language reads. One shared
    /// instance (encoding is thread-safe; nobody changes its options), not one per message.
    package static let warren: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

extension JSONDecoder {
    /// Reads what `JSONEncoder.warren` writes: dates as ISO 8601 strings, which a default
    /// decoder refuses (it expects seconds as a number). Fractional seconds are accepted too,
    /// as other languages write them (JavaScript's `toISOString()`). One shared instance.
    package static let warren: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? Date.ISO8601FormatStyle().parse(text)
                ?? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
                return date
            }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "`\(text)` is not an ISO 8601 date and time such as 2026-11-21T18:00:00Z")
        }
        return decoder
    }()
}
