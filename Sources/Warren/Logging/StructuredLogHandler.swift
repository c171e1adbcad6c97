import Foundation
import Logging
import Synchronization

/// A `LogHandler` writing one line per event (logfmt or JSON, see `LogLine`) with the time,
/// level, label, message and every piece of metadata: the handler's own (a delivery's context,
/// queue, message_id, correlation_id, causation_id and type), the provider's and the call's.
public struct StructuredLogHandler: LogHandler {
    public let label: String
    public let format: LoggingConfiguration.Format
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let output: LogOutput

    public init(label: String, format: LoggingConfiguration.Format, level: Logger.Level = .info,
                metadataProvider: Logger.MetadataProvider? = nil, output: LogOutput = .standardError) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        let line = LogLine(time: Date(), level: event.level, label: label, message: event.message.description, metadata: merged)
        output.write(format == .json ? line.json() : line.logfmt())
    }
}

/// Where log lines go: stderr in a process, a buffer in tests.
public struct LogOutput: Sendable {
    private let writeLine: @Sendable (String) -> Void

    public init(_ writeLine: @escaping @Sendable (String) -> Void) {
        self.writeLine = writeLine
    }

    func write(_ line: String) { writeLine(line) }

    /// Standard error, one `write(2)` per line under a lock so that lines of concurrent tasks
    /// never interleave.
    public static let standardError = LogOutput { line in
        var text = line + "\n"
        StandardError.lock.withLock { _ in
            text.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return  // stderr is gone: nothing sensible is left to do with a log line
                    }
                    offset += written
                }
            }
        }
    }
}

private enum StandardError {
    static let lock = Mutex(())
}
