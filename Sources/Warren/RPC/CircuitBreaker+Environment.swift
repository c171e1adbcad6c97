import Foundation

extension CircuitBreaker.Settings {
    /// Reads `RPC_BREAKER_FAILURES`, `RPC_BREAKER_FAILURE_RATE` (0–1), `RPC_BREAKER_MIN_CALLS`,
    /// `RPC_BREAKER_WINDOW_MS`, `RPC_BREAKER_COOLDOWN_MS`, `RPC_BREAKER_PROBES`; defaults otherwise.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Self {
        let integer = EnvironmentValues(environment: environment).integer
        var settings = Self()
        if let value = try integer("RPC_BREAKER_FAILURES", 1...100_000) { settings.failureThreshold = value }
        if let text = environment["RPC_BREAKER_FAILURE_RATE"], !text.isEmpty {
            guard let rate = Double(text), rate > 0, rate <= 1 else {
                throw WorkerConfiguration.Problem(description: "RPC_BREAKER_FAILURE_RATE must be a number in (0, 1], got `\(text)`")
            }
            settings.failureRate = rate
        }
        if let value = try integer("RPC_BREAKER_MIN_CALLS", 1...100_000) { settings.minimumCalls = value }
        if let value = try integer("RPC_BREAKER_WINDOW_MS", 10...3_600_000) { settings.window = .milliseconds(value) }
        if let value = try integer("RPC_BREAKER_COOLDOWN_MS", 10...3_600_000) { settings.coolDown = .milliseconds(value) }
        if let value = try integer("RPC_BREAKER_PROBES", 1...1000) { settings.probes = value }
        return settings
    }
}
