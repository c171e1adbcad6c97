import Foundation
import Synchronization

/// Standard output shared by several processes, one whole line at a time, each prefixed with
/// its source's name (`payment     | ...`), coloured per source on a terminal, like compose.
final class LabelledOutput: Sendable {
    private let width: Int
    private let colours: Bool
    private let palette = ["36", "33", "32", "35", "34", "96", "93", "92", "95", "94"]
    private let assigned = Mutex<[String: String]>([:])
    private let write = Mutex(())

    init(names: [String], colours: Bool = isatty(STDOUT_FILENO) == 1) {
        width = names.map(\.count).max() ?? 0
        self.colours = colours
    }

    /// A line of the supervisor's own about `name`.
    func note(_ name: String, _ text: String) {
        emit(name, "warren up: \(text)")
    }

    func emit(_ name: String, _ line: String) {
        let label = name.padding(toLength: max(width, name.count), withPad: " ", startingAt: 0) + " | "
        let prefix: String
        if colours {
            let colour = assigned.withLock { assigned in
                if let colour = assigned[name] { return colour }
                let colour = palette[assigned.count % palette.count]
                assigned[name] = colour
                return colour
            }
            prefix = "\u{1b}[\(colour)m\(label)\u{1b}[0m"
        } else {
            prefix = label
        }
        write.withLock { _ in
            FileHandle.standardOutput.write(Data((prefix + line + "\n").utf8))
        }
    }

    /// Splits a child's output into lines as its chunks arrive.
    func lines(for name: String) -> LineSplitter { LineSplitter(name: name, output: self) }

    final class LineSplitter: Sendable {
        let name: String
        let output: LabelledOutput
        private let pending = Mutex(Data())

        init(name: String, output: LabelledOutput) {
            self.name = name
            self.output = output
        }

        func append(_ data: Data) {
            let complete: [String] = pending.withLock { pending in
                pending.append(data)
                guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
                let text = String(decoding: pending[pending.startIndex..<last], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...last)
                return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
            for line in complete { output.emit(name, line) }
        }

        /// Prints a last line that had no newline.
        func finish() {
            let rest = pending.withLock { pending in
                defer { pending.removeAll() }
                return String(decoding: pending, as: UTF8.self)
            }
            if !rest.isEmpty { output.emit(name, rest) }
        }
    }
}
