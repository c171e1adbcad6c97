import Testing
@testable import CoffeeSystem

/// The environment variables of the coffee workers, and the messages that name a bad one.
@Suite struct SettingsTests {
    @Test func theInjectedLatencyIsAFixedValueOrARange() throws {
        #expect(Settings().productLatency == 0...0)
        #expect(Settings().drawProductLatency() == .zero)
        #expect(try Settings.fromEnvironment(["PRODUCT_LATENCY_MS": "500"]).productLatency == 500...500)
        let original = try Settings.fromEnvironment(["PRODUCT_LATENCY_MS": "400-620"])
        #expect(original.productLatency == 400...620)
        for _ in 0..<20 {
            let drawn = original.drawProductLatency()
            #expect(drawn >= .milliseconds(400) && drawn <= .milliseconds(620))
        }
    }

    @Test func aMalformedValueStopsTheWorkerNamingTheVariable() throws {
        for bad in ["fast", "620-400", "-5", "70000"] {
            #expect(throws: Settings.Problem.self) { try Settings.fromEnvironment(["PRODUCT_LATENCY_MS": bad]) }
        }
        do {
            _ = try Settings.fromEnvironment(["ORDER_CHECK_DEADLINE_MS": "0"])
            Issue.record("a deadline of 0 ms was accepted")
        } catch {
            #expect(error.description.contains("ORDER_CHECK_DEADLINE_MS"))
        }
        #expect(try Settings.fromEnvironment(["ORDER_CHECK_DEADLINE_MS": "250"]).checkDeadline == .milliseconds(250))
    }
}
