import Foundation
import Logging
import Synchronization
import Testing
@testable import Warren

/// Lines a handler wrote, for assertions.
final class CapturedLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var output: LogOutput { LogOutput { line in self.lines.withLock { $0.append(line) } } }
}

@Suite struct LogLineTests {
    let noon = Date(timeIntervalSince1970: 1_746_100_800.25)  // 2025-05-01T12:00:00.250Z

    @Test func logfmtValuesAreBareWhenTheyCanBeAndQuotedWhenTheyMust() {
        #expect(LogLine.logfmtValue("order.placed") == "order.placed")
        #expect(LogLine.logfmtValue("") == #""""#)
        #expect(LogLine.logfmtValue("two words") == #""two words""#)
        #expect(LogLine.logfmtValue("a=b") == #""a=b""#)
        #expect(LogLine.logfmtValue(#"say "hi""#) == #""say \"hi\"""#)
        #expect(LogLine.logfmtValue(#"C:\temp"#) == #""C:\\temp""#)
        #expect(LogLine.logfmtValue("line\nbreak\ttab") == #""line\nbreak\ttab""#)
        #expect(LogLine.logfmtValue("bell\u{7}") == #""bell\u0007""#)
        #expect(LogLine.logfmtValue("naïve→ok") == "naïve→ok", "non-ASCII letters need no quotes")
        #expect(LogLine.logfmtKey("bad key=\"x\"") == "bad_key__x_")
    }

    @Test func logfmtLineHasTimeLevelLabelMessageThenDeliveryKeysInOrder() {
        let line = LogLine(time: noon, level: .warning, label: "warren.worker", message: "handler failed; retrying later", metadata: [
            "error": "deadlock detected", "type": "PaymentApproved", "context": "billing", "message_id": "m-1",
            "correlation_id": "c-1", "causation_id": "", "queue": "billing.payments", "attempt": "2",
        ])
        #expect(line.logfmt() == #"time=2025-05-01T12:00:00.250Z level=warning label=warren.worker msg="handler failed; retrying later" context=billing queue=billing.payments type=PaymentApproved message_id=m-1 correlation_id=c-1 causation_id="" attempt=2 error="deadlock detected""#)
    }

    @Test func nestedMetadataFlattensToDottedKeysAndReservedKeysMoveAside() {
        let line = LogLine(time: noon, level: .info, label: "x", message: "m",
                           metadata: ["http": ["status": "200", "path": "/a b"], "ids": ["1", "2"], "level": "shadow"])
        #expect(line.logfmt().hasSuffix(#" http.path="/a b" http.status=200 ids=[1,2] metadata.level=shadow"#), "\(line.logfmt())")
    }

    @Test func jsonLineIsOneObjectWithTheSameKeysAndNativeNesting() throws {
        let line = LogLine(time: noon, level: .error, label: "warren.worker", message: "message \"dead\"-lettered\n",
                           metadata: ["context": "billing", "message_id": "m-1", "detail": ["tries": ["1", "2"]], "control": "\u{1}"])
        let text = line.json()
        #expect(!text.contains("\n"), "one line per event")
        #expect(text.hasPrefix(#"{"time":"2025-05-01T12:00:00.250Z","level":"error","label":"warren.worker","msg":"message \"dead\"-lettered\n","context":"billing","message_id":"m-1""#), "\(text)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "message \"dead\"-lettered\n")
        #expect((object["detail"] as? [String: Any])?["tries"] as? [String] == ["1", "2"])
        #expect(object["control"] as? String == "\u{1}")
    }

    @Test func handlerMergesItsMetadataTheProvidersAndTheCallsAndHonoursItsLevel() {
        let captured = CapturedLines()
        let provider = Logger.MetadataProvider { ["trace_id": "t-1"] }
        var logger = Logger(label: "warren.worker") {
            StructuredLogHandler(label: $0, format: .logfmt, level: .info, metadataProvider: provider, output: captured.output)
        }
        logger[metadataKey: "context"] = "billing"
        logger.debug("not shown")
        logger.info("handled", metadata: ["published": "2"])
        #expect(captured.all.count == 1)
        let line = captured.all.first ?? ""
        #expect(line.contains(" level=info label=warren.worker msg=handled context=billing published=2 trace_id=t-1"), "\(line)")
    }

    @Test func configurationComesFromTheEnvironmentAndNamesTheVariableItRejects() throws {
        #expect(try LoggingConfiguration.fromEnvironment([:]) == LoggingConfiguration(format: .logfmt, level: .info))
        #expect(try LoggingConfiguration.fromEnvironment(["LOG_FORMAT": "JSON", "LOG_LEVEL": "warn"]) == LoggingConfiguration(format: .json, level: .warning))
        #expect(throws: WorkerConfiguration.Problem.self) { try LoggingConfiguration.fromEnvironment(["LOG_FORMAT": "xml"]) }
        do {
            _ = try LoggingConfiguration.fromEnvironment(["LOG_LEVEL": "loud"])
            Issue.record("LOG_LEVEL=loud was accepted")
        } catch {
            #expect("\(error)".hasPrefix("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical"), "\(error)")
        }
    }
}
