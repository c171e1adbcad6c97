import Foundation
import Logging
import Synchronization

/// How a process logs, from `LOG_FORMAT` and `LOG_LEVEL`: one line per event on stderr, logfmt
/// unless JSON is asked for, `info` and above unless told otherwise.
public struct LoggingConfiguration: Sendable, Hashable {
    public enum Format: String, Sendable, Hashable, CaseIterable {
        case logfmt, json
    }

    public var format: Format = .logfmt
    public var level: Logger.Level = .info

    public init(format: Format = .logfmt, level: Logger.Level = .info) {
        self.format = format
        self.level = level
    }

    /// Reads `LOG_FORMAT` (`logfmt` or `json`) and `LOG_LEVEL` (`trace` ... `critical`); a
    /// malformed value throws a problem naming the variable, so the process stops at start.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LoggingConfiguration {
        var configuration = LoggingConfiguration()
        if let text = environment["LOG_FORMAT"], !text.isEmpty {
            guard let format = Format(rawValue: text.lowercased()) else {
                throw WorkerConfiguration.Problem(description: "LOG_FORMAT must be logfmt or json, got `\(text)`")
            }
            configuration.format = format
        }
        if let text = environment["LOG_LEVEL"], !text.isEmpty {
            let name = text.lowercased() == "warn" ? "warning" : text.lowercased()
            guard let level = Logger.Level(rawValue: name) else {
                let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw WorkerConfiguration.Problem(description: "LOG_LEVEL must be one of \(levels), got `\(text)`")
            }
            configuration.level = level
        }
        return configuration
    }

    /// A logger writing in this configuration's format and level, whatever `LoggingSystem` holds.
    public func logger(label: String, output: LogOutput = .standardError) -> Logger {
        Logger(label: label) { label in StructuredLogHandler(label: label, format: format, level: level, output: output) }
    }

    /// Makes this configuration every `Logger`'s default, libraries' included. `LoggingSystem`
    /// accepts one bootstrap per process; later calls here are ignored and return false.
    @discardableResult
    public func bootstrap() -> Bool {
        guard Self.bootstrapped.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return false }
        let format = format, level = level
        LoggingSystem.bootstrap({ label, provider in
            StructuredLogHandler(label: label, format: format, level: level, metadataProvider: provider)
        }, metadataProvider: nil)
        return true
    }

    private static let bootstrapped = Atomic<Bool>(false)
}
