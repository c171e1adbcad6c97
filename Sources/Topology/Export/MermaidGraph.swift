import Foundation

/// The fleet as a Mermaid flowchart: contexts as subgraphs holding their exchanges (hexagons)
/// and queues (cylinders); arrows for publishing, bindings, consuming, and dotted RPC calls.
/// Dead-letter and retry plumbing is left out: every queue has it, so it would only add noise.
public enum MermaidGraph {
    public static func text(for fleet: Fleet) -> String {
        var lines = ["flowchart LR"]
        let contexts = fleet.contexts.sorted { $0.name < $1.name }
        let shown: (Queue) -> Bool = { $0.role == .consumer || $0.role == .rpc }
        for context in contexts {
            lines.append("  subgraph \(id("ctx", context.name))[\"\(context.name)\"]")
            lines.append("    \(id("svc", context.name))([\"\(context.name) worker\"])")
            for exchange in context.exchanges where !exchange.isPlumbing {
                lines.append("    \(id("x", exchange.name)){{\"\(exchange.name)\"}}")
            }
            for queue in context.queues where shown(queue) {
                lines.append("    \(id("q", queue.name))[(\"\(queue.name)\")]")
            }
            lines.append("  end")
        }
        for context in contexts {
            let worker = id("svc", context.name)
            var publishedExchanges: [String] = []
            for publication in context.publications(in: fleet) where !publishedExchanges.contains(publication.exchange) {
                publishedExchanges.append(publication.exchange)
            }
            for exchange in publishedExchanges where fleet.exchange(exchange) != nil {
                lines.append("  \(worker) -- publishes --> \(id("x", exchange))")
            }
            for queue in context.queues where shown(queue) {
                for binding in queue.bindings {
                    guard let exchange = fleet.exchange(binding.exchange), !exchange.isPlumbing else { continue }
                    lines.append("  \(id("x", binding.exchange)) -- \"\(binding.routingKey.replacingOccurrences(of: "#", with: "#35;"))\" --> \(id("q", queue.name))")
                }
                lines.append("  \(id("q", queue.name)) --> \(worker)")
            }
            for call in context.calls {
                guard let rpc = fleet.rpc(call.type) else { continue }
                lines.append("  \(worker) -. \"rpc \(rpc.name)\" .-> \(id("svc", rpc.context))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Mermaid node ids: letters, digits and underscores only.
    static func id(_ prefix: String, _ name: String) -> String {
        prefix + "_" + String(name.unicodeScalars.map { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "_" })
    }
}
