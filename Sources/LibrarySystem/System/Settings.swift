import Foundation

/// The library system's domain knobs, read from the environment beside the worker's own
/// settings (`WorkerConfiguration`). Each context reads only its own; a malformed value stops
/// the worker at start with a message naming the variable.
public struct Settings: Sendable {
    /// `PAYMENT_LATENCY_MS`: an injected latency of every `Pay` answer, `500` or a range
    /// `400-620` (uniformly drawn), for the circuit breaker demonstration. 0 by default.
    public var paymentLatency: ClosedRange<Int> = 0...0
    /// `KIOSK_LATENCY_MS`: the same for every `SelfRental` answer.
    public var kioskLatency: ClosedRange<Int> = 0...0
    /// `RENTAL_PAYMENT_DEADLINE_MS`: how long rental waits for payment; nil keeps the topology's
    /// `timeout` of `payment.Pay` (2 s).
    public var paymentDeadline: Duration?
    /// `RENTAL_KIOSK_DEADLINE_MS`: how long rental waits for a kiosk; nil keeps the topology's
    /// `timeout` of `kiosk.SelfRental` (2 s).
    public var kioskDeadline: Duration?
    /// `KIOSK_COUNT`: the kiosks are numbered 1 to this; a self rental at another number is refused.
    public var kioskCount = 10

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
        func latency(_ name: String) throws(Problem) -> ClosedRange<Int>? {
            guard let value = text(name) else { return nil }
            guard let range = millisecondRange(value) else {
                throw Problem(description: "\(name) must be milliseconds (`500`) or a range (`400-620`) within 0...60000, got `\(value)`")
            }
            return range
        }
        func deadline(_ name: String) throws(Problem) -> Duration? {
            guard let value = text(name) else { return nil }
            guard let milliseconds = Int(value), (10...600_000).contains(milliseconds) else {
                throw Problem(description: "\(name) must be milliseconds in 10...600000, got `\(value)`")
            }
            return .milliseconds(milliseconds)
        }
        if let range = try latency("PAYMENT_LATENCY_MS") { settings.paymentLatency = range }
        if let range = try latency("KIOSK_LATENCY_MS") { settings.kioskLatency = range }
        settings.paymentDeadline = try deadline("RENTAL_PAYMENT_DEADLINE_MS")
        settings.kioskDeadline = try deadline("RENTAL_KIOSK_DEADLINE_MS")
        if let value = text("KIOSK_COUNT") {
            guard let count = Int(value), (1...10_000).contains(count) else {
                throw Problem(description: "KIOSK_COUNT must be an integer in 1...10000, got `\(value)`")
            }
            settings.kioskCount = count
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

    /// One answer's injected latency, drawn from `range`.
    static func draw(_ range: ClosedRange<Int>) -> Duration {
        range.upperBound == 0 ? .zero : .milliseconds(Int.random(in: range))
    }
}
