import Foundation

/// The cleaning system's domain knobs, read from the environment beside the worker's own
/// settings (`WorkerConfiguration`). Each context reads only its own; a malformed value stops
/// the worker at start with a message naming the variable.
public struct Settings: Sendable {
    /// `PAYMENT_LIMIT`: the highest price payment approves.
    public var paymentLimit: Decimal = 1_000_000
    /// `PAYMENT_APPROVAL_DELAY_MS`: an injected latency of every approval, `500` or a range
    /// `400-620` (uniformly drawn), for the circuit breaker scenario. 0 by default.
    public var approvalDelay: ClosedRange<Int> = 0...0
    /// `PAYMENT_DEADLINE_MS`: how long reservation waits for payment's approval; nil keeps the
    /// topology's `timeout` of `payment.ApprovePayment`.
    public var paymentDeadline: Duration?
    /// `CLEANING_CAPACITY_PER_DAY`: cleaners available each day; 0 rejects every job.
    public var capacityPerDay = 3
    /// `PAYMETHOD_HASH_KEY`: the key of card numbers' HMAC-SHA256; required by paymethod.
    public var cardHashKey: [UInt8]?

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
        if let value = text("PAYMENT_LIMIT") {
            guard let limit = Price(value)?.amount, limit > 0 else {
                throw Problem(description: "PAYMENT_LIMIT must be a positive number, got `\(value)`")
            }
            settings.paymentLimit = limit
        }
        if let value = text("PAYMENT_APPROVAL_DELAY_MS") {
            guard let delay = delayRange(value) else {
                throw Problem(description: "PAYMENT_APPROVAL_DELAY_MS must be milliseconds (`500`) or a range (`400-620`) within 0...60000, got `\(value)`")
            }
            settings.approvalDelay = delay
        }
        if let value = text("PAYMENT_DEADLINE_MS") {
            guard let milliseconds = Int(value), (10...600_000).contains(milliseconds) else {
                throw Problem(description: "PAYMENT_DEADLINE_MS must be milliseconds in 10...600000, got `\(value)`")
            }
            settings.paymentDeadline = .milliseconds(milliseconds)
        }
        if let value = text("CLEANING_CAPACITY_PER_DAY") {
            guard let capacity = Int(value), (0...10_000).contains(capacity) else {
                throw Problem(description: "CLEANING_CAPACITY_PER_DAY must be an integer in 0...10000, got `\(value)`")
            }
            settings.capacityPerDay = capacity
        }
        if let value = text("PAYMETHOD_HASH_KEY") {
            guard value.utf8.count >= 16 else {
                throw Problem(description: "PAYMETHOD_HASH_KEY must be at least 16 bytes (a random secret; `openssl rand -hex 32` makes one)")
            }
            settings.cardHashKey = Array(value.utf8)
        }
        return settings
    }

    static func delayRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), let low = parts.first ?? nil, let high = parts.last ?? nil,
              low >= 0, low <= high, high <= 60_000 else { return nil }
        return low...high
    }

    /// One approval's injected latency.
    func drawApprovalDelay() -> Duration {
        approvalDelay.upperBound == 0 ? .zero : .milliseconds(Int.random(in: approvalDelay))
    }
}
