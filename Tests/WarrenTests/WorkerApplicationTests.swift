import Foundation
import Testing
@testable import Warren

@Suite struct WorkerApplicationTests {
    let servers = [
        "AMQP_URL": ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f",
        "DATABASE_URL": ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://warren:warren@127.0.0.1:5432/warren",
    ]

    func problem(_ environment: [String: String]) -> String? {
        do {
            _ = try WorkerApplication.build(context: BoundedContext("probe", system: "tests"), environment: environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aMissingOrMalformedVariableStopsTheBuildNamingIt() {
        #expect(problem([:])?.hasPrefix("AMQP_URL is not set") == true, "\(problem([:]) ?? "accepted")")
        let cases: [(String, String)] = [
            ("HEALTH_PORT", "eighty"), ("CONCURRENCY", "0"), ("PREFETCH", "-1"), ("LOG_FORMAT", "yaml"), ("LOG_LEVEL", "chatty"),
        ]
        for (name, value) in cases {
            let message = problem(servers.merging([name: value]) { $1 })
            #expect(message?.hasPrefix(name) == true, "\(name)=\(value): \(message ?? "accepted")")
        }
    }

    @Test func aWorkerThatCannotStartTakesTheHealthServerDownWithIt() async throws {
        let captured = CapturedLines()
        let environment = servers.merging(["HEALTH_PORT": "0", "TOPOLOGY_DIR": "/nonexistent/topology"]) { $1 }
        let group = try WorkerApplication.build(context: BoundedContext("probe", system: "tests"), environment: environment,
                                                logOutput: captured.output)
        await #expect(throws: (any Error).self) { try await group.run() }
    }
}
