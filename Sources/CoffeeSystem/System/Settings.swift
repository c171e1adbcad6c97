import Foundation

/// The coffee system's domain knobs, read from the environment beside the worker's own
/// settings (`WorkerConfiguration`). Each context reads only its own; a malformed value stops
/// the worker at start with a message naming the variable.
public struct Settings: Sendable {
    /// `PRODUCT_LATENCY_MS`: an injected latency of every `CheckProduct` answer, `500` or a
    /// range `400-620` (uniformly drawn, the original service's sleep), for the circuit breaker
    /// demonstration. 0 by default.
    public var productLatency: ClosedRange<Int> = 0...0
    /// `ORDER_CHECK_DEADLINE_MS`: how long order waits for product's answer; nil keeps the
    /// topology's `timeout` of `product.CheckProduct` (1 s).
    public var checkDeadline: Duration?

    public init() {}

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static func fromEnvironment(_ environment: [String: String]) throws(Problem) -> Settings {
        var settings = Settings()
        func text(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        if let value = text("PRODUCT_LATENCY_MS") {
            guard let latency = millisecondRange(value) else {
                throw Problem(description: "PRODUCT_LATENCY_MS must be milliseconds (`500`) or a range (`400-620`) within 0...60000, got `\(value)`")
            }
            settings.productLatency = latency
        }
        if let value = text("ORDER_CHECK_DEADLINE_MS") {
            guard let milliseconds = Int(value), (10...600_000).contains(milliseconds) else {
                throw Problem(description: "ORDER_CHECK_DEADLINE_MS must be milliseconds in 10...600000, got `\(value)`")
            }
            settings.checkDeadline = .milliseconds(milliseconds)
        }
        return settings
    }

    /// `500` → 500...500, `400-620` → 400...620; nil for anything else or beyond a minute.
    static func millisecondRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), let low = parts.first ?? nil, let high = parts.last ?? nil,
              low >= 0, low <= high, high <= 60_000 else { return nil }
        return low...high
    }

    /// One answer's injected latency.
    func drawProductLatency() -> Duration {
        productLatency.upperBound == 0 ? .zero : .milliseconds(Int.random(in: productLatency))
    }
}
