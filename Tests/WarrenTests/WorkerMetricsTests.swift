import Foundation
import Testing
@testable import Warren

/// The Prometheus series the README lists, as `/metrics` prints them.
@Suite struct WorkerMetricsTests {
    /// The value of one series, summed over every test in this process that fed it.
    func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func deliveriesOutcomesDuplicatesAndHandlerTimesAreExported() async throws {
        let registry = PrometheusExport.registry  // bootstraps swift-metrics before the worker counts
        try await RuntimeHarness.with { harness in
            let worker = try await harness.start()
            try await harness.deposit("erin", 2, messageId: "metrics-1")
            try await harness.deposit("erin", 2, messageId: "metrics-1")
            try await harness.deposit("blocked", 1, messageId: "metrics-2")
            _ = try await harness.take(1, from: "ledger.dead")
            try await harness.eventually("the duplicate is seen") {
                var buffer: [UInt8] = []
                registry.emit(into: &buffer)
                return (value(#"warren_inbox_duplicates_total{context="ledger"}"#, in: String(decoding: buffer, as: UTF8.self)) ?? 0) >= 1
            }
            try await worker.stop()
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect((value(#"warren_deliveries_total{context="ledger",type="ledger.Deposit"}"#, in: text) ?? 0) >= 3)
        #expect((value(#"warren_outcomes_total{context="ledger",outcome="handled"}"#, in: text) ?? 0) >= 1)
        #expect((value(#"warren_outcomes_total{context="ledger",outcome="dead"}"#, in: text) ?? 0) >= 1)
        #expect(text.contains(#"warren_handler_duration_seconds_bucket{context="ledger",type="ledger.Deposit""#),
                "handler latency is a histogram")
        #expect(text.contains(#"warren_outbox_backlog{context="ledger"}"#))
    }
}
