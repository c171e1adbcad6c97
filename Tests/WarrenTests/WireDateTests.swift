import Foundation
import Testing
@testable import Warren

/// A date in a message crosses the wire as ISO 8601 text, and every side reads it back.
@Suite struct WireDateTests {
    struct Stamped: Codable, Equatable {
        var at: Date
    }

    @Test func aDateInAReplyIsWrittenAsISO8601AndTheCallerDecodesIt() throws {
        let at = Date(timeIntervalSince1970: 1_790_000_000)
        let body = try JSONEncoder.warren.encode(Stamped(at: at))
        #expect(String(decoding: body, as: UTF8.self) == #"{"at":"2026-09-21T14:13:20Z"}"#)
        let reply = Reply(envelope: Envelope(type: "clock.Stamped"), body: body)
        #expect(try RPCClient.decode(Stamped.self, reply, target: "clock") == Stamped(at: at))
    }

    @Test func fractionalSecondsAsOtherLanguagesWriteThemAreRead() throws {
        let reply = Reply(envelope: Envelope(type: "clock.Stamped"), body: Data(#"{"at":"2026-09-21T14:13:20.250Z"}"#.utf8))
        #expect(try RPCClient.decode(Stamped.self, reply, target: "clock").at == Date(timeIntervalSince1970: 1_790_000_000.25))
    }

    @Test func aDateThatIsNotISO8601IsRefusedWithTheTextQuoted() throws {
        let reply = Reply(envelope: Envelope(type: "clock.Stamped"), body: Data(#"{"at":"21/09/2026"}"#.utf8))
        #expect {
            try RPCClient.decode(Stamped.self, reply, target: "clock")
        } throws: { error in
            "\(error)".contains("`21/09/2026` is not an ISO 8601 date and time")
        }
    }

    @Test func aDateWrittenAsSecondsIsRefusedWithTheFieldNamed() throws {
        let reply = Reply(envelope: Envelope(type: "clock.Stamped"), body: Data(#"{"at":1790000000}"#.utf8))
        #expect {
            try RPCClient.decode(Stamped.self, reply, target: "clock")
        } throws: { error in
            "\(error)" == "the reply of clock does not decode: `at` is not a String"
        }
    }
}
