import Foundation
import Synchronization
import Testing
@testable import RabbitMQ

/// Freezes the shared broker (SIGSTOP), which would disturb every test running beside it: the
/// name makes scripts/test run it with the other disruption suites, alone, after the rest (and
/// the thread count it checks is the process's, which other tests' connections would move).
@Suite(.serialized) struct BrokerDisruptionTests {
    @Test func aSilentBrokerIsDetectedWithinTwoHeartbeatsAndTheThreadEnds() async throws {
        let heartbeat = 2
        let threadsBefore = ConnectionCore.liveThreads.load(ordering: .relaxed)
        let connection = try await Broker.connect(heartbeat: heartbeat)
        #expect(connection.heartbeat == heartbeat)
        let channel = try await connection.openChannel()
        let pid = try Broker.pid()
        let started = ContinuousClock.now
        kill(pid, SIGSTOP)
        let reason = await connection.closed()
        let elapsed = ContinuousClock.now - started
        kill(pid, SIGCONT)
        #expect(reason?.code == .heartbeatTimeout)
        #expect(elapsed < .seconds(2 * heartbeat), "detected after \(elapsed), more than 2 heartbeat intervals")
        #expect(!connection.isOpen)
        // Nothing hangs afterwards: calls fail at once with the reason.
        let error = await #expect(throws: RabbitMQError.self) { try await channel.qos(prefetchCount: 1) }
        #expect(error?.code == .heartbeatTimeout)
        // The connection's thread has returned (it may take a moment to unwind after failing the waiters).
        for _ in 0..<100 where ConnectionCore.liveThreads.load(ordering: .relaxed) > threadsBefore {
            try await Task.sleep(for: .milliseconds(10))
        }
        // At most as many as before: connections of other tests may end meanwhile.
        #expect(ConnectionCore.liveThreads.load(ordering: .relaxed) <= threadsBefore, "the connection thread is still running")
        // The broker is healthy again for the tests that follow.
        let again = try await Broker.connect()
        try await again.close()
    }
}
