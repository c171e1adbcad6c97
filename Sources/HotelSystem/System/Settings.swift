import Foundation

/// The hotel system's domain knobs, read from the environment beside the worker's own settings
/// (`WorkerConfiguration`). Each context reads only its own; a malformed value stops the worker
/// at start with a message naming the variable.
public struct Settings: Sendable {
    /// `PAYMENT_LATENCY_MS`: an injected latency of every `Pay` answer, `500` or a range
    /// `400-620` (uniformly drawn, the original's sleep), for the circuit breaker demonstration.
    /// 0 by default.
    public var paymentLatency: ClosedRange<Int> = 0...0
    /// `ORDER_PAYMENT_DEADLINE_MS`: how long order waits for payment; nil keeps the topology's
    /// `timeout` of `payment.Pay` (2 s).
    public var paymentDeadline: Duration?
    /// `PAYMENT_DECLINED_CARDS`: card numbers payment declines, comma-separated (digits only).
    /// By default Stripe's "generic decline" test card, so a decline can be shown without a bank.
    public var declinedCards: Set<String> = ["4000000000000002"]

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
        if let value = text("PAYMENT_LATENCY_MS") {
            guard let range = millisecondRange(value) else {
                throw Problem(description: "PAYMENT_LATENCY_MS must be milliseconds (`500`) or a range (`400-620`) within 0...60000, got `\(value)`")
            }
            settings.paymentLatency = range
        }
        if let value = text("ORDER_PAYMENT_DEADLINE_MS") {
            guard let milliseconds = Int(value), (10...600_000).contains(milliseconds) else {
                throw Problem(description: "ORDER_PAYMENT_DEADLINE_MS must be milliseconds in 10...600000, got `\(value)`")
            }
            settings.paymentDeadline = .milliseconds(milliseconds)
        }
        if let value = environment["PAYMENT_DECLINED_CARDS"] {
            let cards = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard cards.allSatisfy({ CardNumber(digitsOf: $0) != nil }) else {
                throw Problem(description: "PAYMENT_DECLINED_CARDS must be card numbers (digits) separated by commas")
            }
            settings.declinedCards = Set(cards.compactMap { CardNumber(digitsOf: $0)?.digits })
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
