import Foundation
import Logging

/// One log event as text: logfmt (`time=... level=info label=... msg="..." key=value`) or one
/// JSON object, with the same keys in the same order.
///
/// The delivery keys come right after the message, in a fixed order, so that lines of one
/// delivery line up; other metadata follows sorted by key. A metadata key that would shadow
/// `time`, `level`, `label` or `msg` is written as `metadata.<key>`.
struct LogLine {
    var time: Date
    var level: Logger.Level
    var label: String
    var message: String
    var metadata: Logger.Metadata

    static let leadingKeys = ["context", "queue", "type", "message_id", "correlation_id", "causation_id"]
    static let reservedKeys: Set<String> = ["time", "level", "label", "msg"]

    /// Metadata in output order, reserved names moved aside.
    var orderedMetadata: [(String, Logger.Metadata.Value)] {
        var remaining = metadata
        var ordered: [(String, Logger.Metadata.Value)] = []
        for key in Self.leadingKeys {
            if let value = remaining.removeValue(forKey: key) { ordered.append((key, value)) }
        }
        for key in remaining.keys.sorted() {
            ordered.append((Self.reservedKeys.contains(key) ? "metadata.\(key)" : key, remaining[key]!))
        }
        return ordered
    }

    // MARK: logfmt

    func logfmt() -> String {
        var line = "time=\(Self.timestamp(time)) level=\(level.rawValue) label=\(Self.logfmtValue(label)) msg=\(Self.logfmtValue(message))"
        for (key, value) in orderedMetadata {
            Self.appendLogfmt(key: key, value: value, to: &line)
        }
        return line
    }

    /// Dictionaries flatten to dotted keys (`http.status=200`); arrays become `[a,b]`.
    private static func appendLogfmt(key: String, value: Logger.Metadata.Value, to line: inout String) {
        if case .dictionary(let dictionary) = value, !dictionary.isEmpty {
            for subkey in dictionary.keys.sorted() {
                appendLogfmt(key: "\(key).\(subkey)", value: dictionary[subkey]!, to: &line)
            }
            return
        }
        line += " \(logfmtKey(key))=\(logfmtValue(flatText(value)))"
    }

    private static func flatText(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return "[" + values.map(flatText).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            return "{" + dictionary.keys.sorted().map { "\($0):\(flatText(dictionary[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// A key is a bare word: anything that would end it or start a value becomes `_`.
    static func logfmtKey(_ key: String) -> String {
        guard !key.isEmpty else { return "_" }
        var result = ""
        result.unicodeScalars.reserveCapacity(key.unicodeScalars.count)
        for scalar in key.unicodeScalars {
            result.unicodeScalars.append(needsQuoting(scalar) ? "_" : scalar)
        }
        return result
    }

    /// A value is written bare when it can be, else in double quotes with `\` escapes (Go's
    /// logfmt and `strconv.Quote` conventions): empty values, spaces, `=`, `"`, `\` and control
    /// characters all force quotes.
    static func logfmtValue(_ value: String) -> String {
        guard !value.isEmpty else { return "\"\"" }
        guard value.unicodeScalars.contains(where: needsQuoting) else { return value }
        return quoted(value) { $0.properties.generalCategory == .control }
    }

    /// `text` in double quotes with `"`, `\\`, `\n`, `\r`, `\t` escaped and the scalars
    /// `isEscaped` picks (plus U+2028/2029, which break JavaScript readers) as `\\uXXXX`.
    private static func quoted(_ text: String, escaping isEscaped: (Unicode.Scalar) -> Bool) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if isEscaped(scalar) || scalar == "\u{2028}" || scalar == "\u{2029}" {
                    result += unicodeEscape(scalar)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    private static func needsQuoting(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "=" || scalar == "\"" || scalar == "\\" || scalar.properties.isWhitespace
            || scalar.properties.generalCategory == .control
    }

    private static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    // MARK: JSON

    func json() -> String {
        var object = "{\"time\":\"\(Self.timestamp(time))\",\"level\":\"\(level.rawValue)\",\"label\":\(Self.jsonString(label)),\"msg\":\(Self.jsonString(message))"
        for (key, value) in orderedMetadata {
            object += ",\(Self.jsonString(key)):\(Self.jsonValue(value))"
        }
        return object + "}"
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return jsonString(text)
        case .stringConvertible(let convertible): return jsonString(convertible.description)
        case .array(let values): return "[" + values.map(jsonValue).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            return "{" + dictionary.keys.sorted().map { "\(jsonString($0)):\(jsonValue(dictionary[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// RFC 8259 string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func jsonString(_ text: String) -> String {
        quoted(text) { $0.value < 0x20 }
    }

    // MARK: time

    /// RFC 3339 in UTC with milliseconds, e.g. `2025-05-01T09:30:00.250Z`.
    static func timestamp(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let milliseconds = min(999, Int(((interval - interval.rounded(.down)) * 1000).rounded(.down)))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
    }
}
