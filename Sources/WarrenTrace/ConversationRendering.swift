import Foundation

/// A conversation for people: a terminal timeline, a Mermaid sequence diagram, or one HTML page
/// with both that opens in any browser without fetching anything.
extension Conversation {
    /// `HH:mm:ss.SSS  context  handled  type  from sender  cause …  → reply`, one line a step,
    /// then where the conversation stopped, if it did.
    public func timeline() -> String {
        guard !steps.isEmpty else {
            return "no message of conversation \(correlationId) in the \(system) system (inboxes, outboxes, unconsumed and dead-letter queues)\n"
        }
        let width = max(12, steps.map(\.context.count).max() ?? 0)
        var lines = ["conversation \(correlationId) in \(system): \(steps.count) step\(steps.count == 1 ? "" : "s")"]
        for step in steps {
            var line = "\(Self.clock(step.time))  \(step.context.padding(toLength: width, withPad: " ", startingAt: 0))  "
            line += step.kind.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0) + "  \(step.type)"
            if let sender = step.sender { line += "  from \(sender)" }
            if let cause = step.causationId, cause != step.messageId { line += "  cause \(cause.prefix(8))" }
            line += "  id \(step.messageId.prefix(8))"
            if let detail = step.detail { line += "  → \(detail)" }
            lines.append(line)
        }
        for context in unread {
            lines.append("not read: \(context) keeps its inbox in an SQLite file that is not here (--sqlite \(context)=PATH)")
        }
        let stops = self.stops
        if stops.isEmpty {
            lines.append("every message of it was handled")
        } else {
            lines.append("stopped at:")
            for step in stops { lines.append("  \(step.kind.rawValue) \(step.type) in \(step.queue ?? step.context): \(step.detail ?? "")") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Mermaid `sequenceDiagram`: an arrow from sender to handler per message, notes for
    /// what waits, was not sent, or was dead-lettered.
    public func mermaid() -> String {
        var lines = ["sequenceDiagram", "    title conversation \(correlationId) (\(system))"]
        for name in participants { lines.append("    participant \(Self.id(name)) as \(name)") }
        for step in steps {
            let from = Self.id(step.sender ?? step.context), to = Self.id(step.context)
            let label = "\(Self.clock(step.time)) \(step.type)".replacingOccurrences(of: ";", with: ",")
            switch step.kind {
            case .handled:
                lines.append("    \(from)->>\(to): \(label)")
                if let detail = step.detail { lines.append("    Note right of \(to): \(Self.mermaidText(detail))") }
            case .unsent:
                lines.append("    Note over \(to): not sent yet: \(Self.mermaidText(step.type))")
            case .waiting:
                lines.append("    \(from)--x\(to): \(label) (waiting in \(step.queue ?? "?"))")
            case .deadLettered:
                lines.append("    \(from)--x\(to): \(label) (dead-lettered)")
                lines.append("    Note right of \(to): \(Self.mermaidText(step.detail ?? ""))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A self-contained page: the timeline as a table, the stops highlighted, the Mermaid text.
    public func html() -> String {
        let rows = steps.map { step in
            let cells = [Self.clock(step.time), step.context, step.kind.rawValue, step.type, step.sender ?? "", step.causationId.map { String($0.prefix(8)) } ?? "",
                         String(step.messageId.prefix(8)), step.detail ?? ""]
            return "<tr class=\"\(step.kind.rawValue)\">" + cells.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>"
        }.joined(separator: "\n")
        let stops = self.stops.isEmpty ? "<p class=\"ok\">Every message of this conversation was handled.</p>"
            : "<p class=\"stop\">Stopped at: " + self.stops.map { Self.escape("\($0.kind.rawValue) \($0.type) in \($0.queue ?? $0.context): \($0.detail ?? "")") }.joined(separator: "<br>") + "</p>"
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>warren trace \(Self.escape(correlationId))</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222 }
        table { border-collapse: collapse } td, th { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top }
        th { background: #f4f4f4 } tr.waiting, tr.unsent { background: #fff6d5 } tr.dead-lettered { background: #fde2e2 }
        .stop { color: #a40000; font-weight: 600 } .ok { color: #1a7f37 } pre { background: #f7f7f7; padding: 1em; overflow: auto }
        </style></head><body>
        <h1>Conversation <code>\(Self.escape(correlationId))</code></h1>
        <p>System <b>\(Self.escape(system))</b>, \(steps.count) steps, \(participants.count) participants: \(Self.escape(participants.joined(separator: ", "))).</p>
        \(stops)
        <table><tr><th>time (UTC)</th><th>context</th><th>step</th><th>type</th><th>from</th><th>cause</th><th>id</th><th>outcome</th></tr>
        \(rows)
        </table>
        <h2>Sequence (Mermaid)</h2>
        <pre>\(Self.escape(mermaid()))</pre>
        </body></html>

        """
    }

    static func clock(_ date: Date) -> String {
        let milliseconds = Int((date.timeIntervalSince1970 * 1000).rounded())
        let day = milliseconds % 86_400_000
        return String(format: "%02d:%02d:%02d.%03d", day / 3_600_000, day / 60_000 % 60, day / 1000 % 60, day % 1000)
    }

    static func id(_ name: String) -> String { name.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined() }

    static func mermaidText(_ text: String) -> String {
        let cleaned = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: ";", with: ",").replacingOccurrences(of: "#", with: "")
        return cleaned.count > 80 ? String(cleaned.prefix(77)) + "…" : cleaned
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
