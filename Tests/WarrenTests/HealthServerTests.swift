import Foundation
import Logging
import Metrics
import Testing
@testable import Warren

@Suite struct HealthServerTests {
    /// Runs a health server on a free port of 127.0.0.1 for the duration of `body`.
    func withServer(state: WorkerState, livenessTolerance: Int64 = 30, _ body: @Sendable (Int) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = HealthServer(state: state, registry: PrometheusExport.registry, host: "127.0.0.1", port: 0,
                                  livenessTolerance: livenessTolerance, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                                  onListening: { continuation.yield($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port)
            group.cancelAll()
        }
    }

    @Test func readyzIs503WithAReasonUntilTheWorkerIsReadyThen200() async throws {
        let state = WorkerState()
        try await withServer(state: state) { port in
            let starting = try await HTTPGet.fetch(port: port, path: "/readyz")
            #expect(starting.status == 503)
            #expect(starting.headers["content-type"] == "application/json")
            #expect(starting.body == #"{"ready":false,"reason":"starting"}"#, "\(starting.body)")
            state.setReady(false, reason: "broker session lost; reconnecting")
            let reconnecting = try await HTTPGet.fetch(port: port, path: "/readyz")
            #expect(reconnecting.body == #"{"ready":false,"reason":"broker session lost; reconnecting"}"#, "\(reconnecting.body)")
            state.setReady(true)
            let ready = try await HTTPGet.fetch(port: port, path: "/readyz")
            #expect(ready.status == 200)
            #expect(ready.body == #"{"ready":true}"#)
        }
    }

    @Test func livezIs200WhileTheHeartbeatIsFreshAnd503WhenItIsStale() async throws {
        try await withServer(state: WorkerState()) { port in
            let alive = try await HTTPGet.fetch(port: port, path: "/livez")
            #expect(alive.status == 200)
        }
        // A negative tolerance makes even a fresh heartbeat too old: the wedged case.
        try await withServer(state: WorkerState(), livenessTolerance: -1) { port in
            let wedged = try await HTTPGet.fetch(port: port, path: "/livez")
            #expect(wedged.status == 503)
            #expect(wedged.body.contains("stuck"), "\(wedged.body)")
        }
    }

    @Test func livezIs503WhenALaneIsStuckInOneDelivery() async throws {
        // A handler stuck longer than `handlerStuckAfter` (here: any time at all) wedges the worker.
        let state = WorkerState(handlerStuckAfter: -1)
        try await withServer(state: state) { port in
            #expect(try await HTTPGet.fetch(port: port, path: "/livez").status == 200)
            state.laneStarted(2)
            let stuck = try await HTTPGet.fetch(port: port, path: "/livez")
            #expect(stuck.status == 503)
            #expect(stuck.body.contains("lane(s) 2 stuck in one delivery"), "\(stuck.body)")
            state.laneFinished(2)
            #expect(try await HTTPGet.fetch(port: port, path: "/livez").status == 200)
        }
    }

    @Test func metricsServesTheWorkersSeriesInPrometheusText() async throws {
        _ = PrometheusExport.registry  // bootstraps MetricsSystem before the series are made
        let metrics = WorkerMetrics(context: "health-test")
        metrics.delivered(type: "OrderPlaced")
        metrics.outcome(.handled)
        metrics.handled(type: "OrderPlaced", duration: .milliseconds(12))
        metrics.outboxBacklog(3)
        try await withServer(state: WorkerState()) { port in
            let response = try await HTTPGet.fetch(port: port, path: "/metrics")
            #expect(response.status == 200)
            #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(response.body.contains(#"warren_deliveries_total{context="health-test",type="OrderPlaced"} 1"#), "\(response.body)")
            #expect(response.body.contains(#"warren_outcomes_total{context="health-test",outcome="handled"} 1"#))
            #expect(response.body.contains(#"warren_outbox_backlog{context="health-test"} 3"#))
            #expect(response.body.contains(#"warren_handler_duration_seconds_count{context="health-test",type="OrderPlaced"} 1"#))
        }
    }

    @Test func unknownPathsAre404() async throws {
        try await withServer(state: WorkerState()) { port in
            let missing = try await HTTPGet.fetch(port: port, path: "/nope")
            #expect(missing.status == 404)
        }
    }
}
