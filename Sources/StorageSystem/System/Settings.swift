import Foundation

/// The storage system's domain knobs, read from the environment beside the worker's own
/// settings (`WorkerConfiguration`). A malformed value stops the worker at start with a message
/// naming the variable.
public struct Settings: Sendable {
    /// `STORAGE_UNITS`: the units storageassign hands out, by location:
    /// `마포=M-101,M-102;강남=G-201`.
    public var units: UnitList = .standard
    /// `STORAGEMANAGE_LATENCY_MS`: an injected latency of every assignment request, `500` or a
    /// range `400-620`, for the circuit breaker demonstration. 0 by default.
    public var manageLatency: ClosedRange<Int> = 0...0
    /// `STORAGECALL_MANAGE_DEADLINE_MS`: how long storagecall waits for storagemanage; nil keeps
    /// the topology's `timeout` of `storagemanage.RequestAssignment` (2 s).
    public var manageDeadline: Duration?

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
        if let value = text("STORAGE_UNITS") {
            guard let units = UnitList(parsing: value) else {
                throw Problem(description: "STORAGE_UNITS must list units by location, `마포=M-101,M-102;강남=G-201` (each unit once), got `\(value)`")
            }
            settings.units = units
        }
        if let value = text("STORAGEMANAGE_LATENCY_MS") {
            guard let range = millisecondRange(value) else {
                throw Problem(description: "STORAGEMANAGE_LATENCY_MS must be milliseconds (`500`) or a range (`400-620`) within 0...60000, got `\(value)`")
            }
            settings.manageLatency = range
        }
        if let value = text("STORAGECALL_MANAGE_DEADLINE_MS") {
            guard let milliseconds = Int(value), (10...600_000).contains(milliseconds) else {
                throw Problem(description: "STORAGECALL_MANAGE_DEADLINE_MS must be milliseconds in 10...600000, got `\(value)`")
            }
            settings.manageDeadline = .milliseconds(milliseconds)
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
}

/// The units storageassign may assign, by location, in the order they are handed out.
public struct UnitList: Sendable, Hashable {
    public let byLocation: [String: [String]]

    /// Three locations of Seoul, 마포 first (the original's example).
    public static let standard = UnitList(byLocation: ["마포": ["M-101", "M-102", "M-103"], "강남": ["G-201", "G-202"], "서초": ["S-301"]])

    public init(byLocation: [String: [String]]) {
        self.byLocation = byLocation
    }

    /// `마포=M-101,M-102;강남=G-201`; nil when malformed or a unit is listed twice.
    public init?(parsing text: String) {
        var byLocation: [String: [String]] = [:]
        var seen = Set<String>()
        for entry in text.split(separator: ";") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else { return nil }
            let units = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !units.isEmpty else { return nil }
            for unit in units { guard seen.insert(unit).inserted else { return nil } }
            byLocation[parts[0], default: []] += units
        }
        guard !byLocation.isEmpty else { return nil }
        self.byLocation = byLocation
    }

    public func units(at location: String) -> [String] { byLocation[location] ?? [] }
}
