import Yams

/// A topology file's path and text; the loader itself does no I/O (see `TopologyDirectory`).
public struct SourceFile: Sendable {
    /// `<anything>/<system>/<context>.yaml` or `<anything>/<system>/gateway.yaml`.
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// Turns topology files into a `Fleet`, reporting every syntax, shape and type problem with
/// its position. Cross-file rules are the `Validator`'s job.
public enum FleetLoader {
    public static func load(_ files: [SourceFile]) -> (fleet: Fleet, diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var systems: [String: (contexts: [ContextFile], gateway: Gateway?, unreadable: [String])] = [:]
        var order: [String] = []

        for file in files.sorted(by: { $0.path < $1.path }) {
            let components = file.path.split(separator: "/").map(String.init)
            guard components.count >= 2, let fileName = components.last, fileName.hasSuffix(".yaml") else { continue }
            let system = components[components.count - 2]
            let name = String(fileName.dropLast(".yaml".count))
            if systems[system] == nil { systems[system] = ([], nil, []); order.append(system) }

            let root: Node
            do {
                guard let composed = try Yams.compose(yaml: file.text) else {
                    diagnostics.append(Diagnostic(SourceLocation(file: file.path, line: 1, column: 1), "the file is empty",
                                                  fix: name == "gateway" ? "declare `routes:`" : "start it with `context: \(name)`"))
                    continue
                }
                root = composed
            } catch {
                diagnostics.append(NodeReader.syntaxDiagnostic(error, file: file.path))
                systems[system]?.unreadable.append(name)
                continue
            }

            var reader = NodeReader(file: file.path)
            if name == "gateway" {
                systems[system]?.gateway = GatewayFile.read(root, system: system, reader: &reader)
            } else if let context = ContextFile.read(root, file: file.path, name: name, system: system, reader: &reader) {
                systems[system]?.contexts.append(context)
            }
            diagnostics += reader.diagnostics
        }

        let drafts = order.map { (name: $0, contexts: systems[$0]!.contexts, gateway: systems[$0]!.gateway, unreadable: systems[$0]!.unreadable) }
        var fleet = Fleet(systems: drafts.map {
            System(name: $0.name, contexts: $0.contexts.map(\.context), gateway: $0.gateway, unreadable: $0.unreadable)
        })
        fleet = resolveImpliedBindings(fleet, implied: Set(drafts.flatMap { $0.contexts.flatMap(\.queuesWithImpliedBindings) }))
        return (fleet, diagnostics)
    }

    /// A queue that lists what it consumes but no bindings gets one binding per consumed
    /// type: from the exchange that type is published to, with the type as routing key.
    static func resolveImpliedBindings(_ fleet: Fleet, implied: Set<String>) -> Fleet {
        var resolved = fleet
        for s in resolved.systems.indices {
            // Types resolve within their system: each system is a namespace of its own.
            let namespace = fleet.systems[s].fleet
            for c in resolved.systems[s].contexts.indices {
                for q in resolved.systems[s].contexts[c].queues.indices {
                    let queue = resolved.systems[s].contexts[c].queues[q]
                    guard implied.contains(queue.name), queue.role == .consumer else { continue }
                    var derived: [Binding] = []
                    for reference in queue.consumes {
                        guard let message = namespace.message(reference.type), !message.exchange.isEmpty else { continue }
                        derived.append(Binding(exchange: message.exchange, routingKey: message.type, queue: queue.name,
                                               derived: true, location: reference.location))
                    }
                    resolved.systems[s].contexts[c].queues[q].bindings.insert(contentsOf: derived, at: 0)
                }
            }
        }
        return resolved
    }
}
