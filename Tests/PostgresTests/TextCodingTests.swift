import Foundation
import Testing

@testable import Postgres

@Suite("Text format")
struct TextCodingTests {
    @Test(arguments: [
        ("2024-05-01 12:34:56.789012+02", 1_714_559_696.789012),
        ("2024-05-01 10:34:56.789012+00", 1_714_559_696.789012),
        ("2024-05-01 16:04:56.789012+05:30", 1_714_559_696.789012),
        ("1970-01-01 00:00:00+00", 0),
        ("1969-12-31 23:59:59.5+00", -0.5),
        ("2024-05-01", 1_714_521_600),
        ("2024-05-01 10:34:56", 1_714_559_696),
    ])
    func parsesTimestamps(text: String, seconds: Double) throws {
        let date = try #require(TimestampText.parse(text), "\(text) did not parse")
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001, "\(text) → \(date.timeIntervalSince1970)")
    }

    @Test func timestampsRoundTripToTheMicrosecond() throws {
        for seconds in [0, -0.5, 1_714_559_696.789012, -62_135_596_800 - 86_400.25, 4_102_444_799.999999] {
            let date = Date(timeIntervalSince1970: seconds)
            let text = TimestampText.format(date)
            let parsed = try #require(TimestampText.parse(text), "\(text) did not parse")
            #expect(abs(parsed.timeIntervalSince1970 - seconds) < 0.000_002, "\(seconds) → \(text)")
        }
        #expect(TimestampText.format(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00:00.000000+00")
    }

    @Test func rejectsGarbage() {
        for text in ["", "yesterday", "2024-13-01", "2024-05-01 10:34", "2024-05-01 10:34:56+xx"] {
            #expect(TimestampText.parse(text) == nil, "\(text) should not parse")
        }
    }

    @Test func byteaHex() {
        #expect(ByteaText.format([0x00, 0xAB, 0xFF]) == "\\x00abff")
        #expect(ByteaText.parse("\\x00abff") == [0x00, 0xAB, 0xFF])
        #expect(ByteaText.parse("\\x0") == nil)
        #expect(ByteaText.parse("abc") == nil)
    }

    @Test func interpolationBindsValues() {
        let name = "Robert'); DROP TABLE students;--"
        let query: PostgresQuery = "SELECT * FROM students WHERE name = \(name) AND age > \(12)"
        #expect(query.sql == "SELECT * FROM students WHERE name = $1 AND age > $2")
        #expect(query.parameters.map(\.postgresText) == [name, "12"])
    }
}
