import Foundation
import RabbitMQ
import Testing
@testable import Warren

/// kill -9 of a worker process right after a commit, before its messages are confirmed and its
/// delivery acked (DESIGN.md, reliability protocol steps 3-4).
@Suite struct CrashTests {
    /// With deliveries committed one by one, and together (group commit, up to 8 in one transaction).
    @Test(arguments: [1, 8])
    func aCrashBetweenCommitAndConfirmLosesNothingAndHasNoDuplicateEffect(commitTogether: Int) async throws {
        try await RuntimeHarness.with(topology: RuntimeHarness.benchTopologyDirectory) { harness in
            let connection = try await harness.connect()
            let channel = try await connection.openChannel()
            try await channel.enablePublisherConfirms()
            let events = (0..<20).map { index in
                OutgoingMessage(exchange: "source.events", routingKey: "source.Happened",
                                body: Data(#"{"key":"k\#(index % 4)","value":1}"#.utf8),
                                properties: Envelope(messageId: "event-\(index)", type: "source.Happened", appId: "source").properties)
            }
            for case .failure(let error) in try await channel.publish(contentsOf: events) { throw error }
            try await connection.close()

            let crashing = try harness.spawnBenchWorker("tally", environment: ["CONCURRENCY": "1", "COMMIT_TOGETHER": "\(commitTogether)",
                                                                              "WARREN_FAILPOINT": "after-commit:2"])
            crashing.waitUntilExit()
            #expect(crashing.terminationReason == .uncaughtSignal && crashing.terminationStatus == SIGKILL,
                    "the fail point should SIGKILL the worker (reason \(crashing.terminationReason.rawValue), status \(crashing.terminationStatus))")
            let committedBeforeCrash = try await harness.query("SELECT count(*) FROM tally.warren_inbox", Int.self).first
            // The fail point counts transactions: two of them held two deliveries, or more together.
            if commitTogether == 1 {
                #expect(committedBeforeCrash == 2)
            } else {
                #expect((committedBeforeCrash ?? 0) >= 2 && (committedBeforeCrash ?? 0) < 20)
            }

            let worker = try harness.spawnBenchWorker("tally", environment: ["CONCURRENCY": "2"])
            defer { worker.terminate() }
            // Every event counted exactly once in tally's state; every count announced under one
            // message id. Rows confirmed just before the kill but not yet deleted are relayed again
            // with the same message id: at-least-once on the wire, which consumers' inboxes absorb.
            try await harness.eventually(within: 30, "the effects are exactly once") {
                try await harness.query("SELECT sum(events)::bigint FROM tally.counts", Int.self).first == 20
            }
            try await harness.eventually(within: 30, "the outbox is empty: the crashed delivery's row was relayed") {
                try await harness.query("SELECT count(*) FROM tally.warren_outbox", Int.self).first == 0
            }
            let announced = try await harness.take(try await harness.messageCount("source.tally-events"), from: "source.tally-events")
            var causeOfMessage: [String: String] = [:]
            for message in announced {
                let id = try #require(message.properties.messageId)
                let cause = try #require(message.properties.headers?["causation-id"]?.stringValue)
                #expect(causeOfMessage[id, default: cause] == cause, "message id \(id) was reused for another event")
                causeOfMessage[id] = cause
            }
            #expect(Set(causeOfMessage.values) == Set((0..<20).map { "event-\($0)" }), "a count was lost")
            #expect(causeOfMessage.count == 20, "each event caused exactly one distinct message")
            #expect(try await harness.query("SELECT count(*) FROM tally.warren_inbox", Int.self).first == 20)
            worker.terminate()
            worker.waitUntilExit()
            #expect(worker.terminationStatus == 0, "SIGTERM ends a worker cleanly with status 0")
        }
    }
}
