import Topology

extension Plan {
    /// Compares the topology with the management API's listing of the vhost: type, durability,
    /// auto-delete and every argument of each object, `x-queue-type` against the queue's
    /// effective type (a classic queue declared without arguments has none).
    public static func compare(
        _ objects: BrokerObjects, queues: [ManagementQueue], exchanges: [ManagementExchange], bindings: [ManagementBinding],
        source: String, virtualHost: String
    ) -> Plan {
        var entries: [Entry] = []
        let liveExchanges = Dictionary(exchanges.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for exchange in objects.exchanges {
            let status: Status
            if let live = liveExchanges[exchange.name] {
                var differences: [Difference] = []
                if live.type != exchange.type { differences.append(Difference(property: "type", broker: live.type, topology: exchange.type)) }
                differences += flags([("durable", live.durable, exchange.durable), ("auto_delete", live.autoDelete, exchange.autoDelete),
                                      ("internal", live.internal, exchange.internal)])
                differences += compareArguments(live.arguments, exchange.arguments)
                status = differences.isEmpty ? .unchanged : .inequivalent(differences)
            } else {
                status = .missing
            }
            entries.append(Entry(kind: .exchange, name: exchange.name, summary: summary(exchange), file: exchange.file, status: status))
        }

        let liveQueues = Dictionary(queues.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for queue in objects.queues {
            let status: Status
            if let live = liveQueues[queue.name] {
                var arguments = live.arguments
                if arguments["x-queue-type"] == nil, queue.arguments["x-queue-type"] != nil {
                    arguments["x-queue-type"] = .string(live.type ?? "classic")
                }
                var differences = flags([("durable", live.durable, queue.durable), ("auto_delete", live.autoDelete, queue.autoDelete),
                                         ("exclusive", live.exclusive ?? false, false)])
                differences = compareArguments(arguments, queue.arguments) + differences
                status = differences.isEmpty ? .unchanged : .inequivalent(differences.sorted(by: order))
            } else {
                status = .missing
            }
            entries.append(Entry(kind: .queue, name: queue.name, summary: summary(queue), file: queue.file, status: status))
        }

        let liveBindings = Set(bindings.filter { !$0.source.isEmpty && $0.destinationType == "queue" }.map {
            BindingKey(exchange: $0.source, queue: $0.destination, routingKey: $0.routingKey, arguments: $0.arguments.mapValues(\.description))
        })
        for binding in objects.bindings {
            entries.append(Entry(kind: .binding, name: name(binding), summary: "", file: binding.file,
                                 status: liveBindings.contains(binding.key) ? .unchanged : .missing))
        }

        let prefixes = objects.ownerPrefixes
        let owned = { (name: String) in prefixes.contains { name.hasPrefix($0) } }
        let declaredExchanges = Set(objects.exchanges.map(\.name)), declaredQueues = Set(objects.queues.map(\.name))
        let declaredBindings = Set(objects.bindings.map(\.key))
        var unmanaged = exchanges.map(\.name).filter { owned($0) && !declaredExchanges.contains($0) }.sorted().map { "exchange \($0)" }
        unmanaged += queues.map(\.name).filter { owned($0) && !declaredQueues.contains($0) }.sorted().map { "queue \($0)" }
        unmanaged += liveBindings.filter { declaredQueues.contains($0.queue) && !declaredBindings.contains($0) }
            .map { "binding \($0.exchange) -> \($0.queue) [\($0.routingKey)]" }.sorted()
        return Plan(entries: entries, unmanaged: unmanaged, source: source, virtualHost: virtualHost)
    }

    /// The queue type first (the difference that decides the way out), then by name.
    static func order(_ a: Difference, _ b: Difference) -> Bool {
        let rank = { (d: Difference) in d.property == "x-queue-type" || d.property == "type" ? 0 : 1 }
        return (rank(a), a.property) < (rank(b), b.property)
    }

    static func compareArguments(_ live: [String: ArgumentJSON], _ declared: [String: ArgumentValue]) -> [Difference] {
        Set(live.keys).union(declared.keys).subtracting(Topology.Queue.creationOnlyArguments).sorted().compactMap { key in
            switch (live[key], declared[key]) {
            case let (live?, declared?): declared.matches(live) ? nil : Difference(property: key, broker: live.description, topology: declared.text)
            case let (live?, nil): Difference(property: key, broker: live.description, topology: nil)
            case let (nil, declared?): Difference(property: key, broker: nil, topology: declared.text)
            case (nil, nil): nil
            }
        }
    }

    static func flags(_ pairs: [(String, Bool, Bool)]) -> [Difference] {
        pairs.compactMap { name, live, declared in
            live == declared ? nil : Difference(property: name, broker: String(live), topology: String(declared))
        }
    }

    static func summary(_ exchange: BrokerObjects.Exchange) -> String { "(\(exchange.type))" }

    /// `(quorum, x-dead-letter-exchange: payment.dead, x-delivery-limit: 5, ...)`.
    static func summary(_ queue: BrokerObjects.Queue) -> String {
        let arguments = queue.arguments.filter { $0.key != "x-queue-type" }.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.text)" }
        return "(" + ([queue.type] + arguments).joined(separator: ", ") + ")"
    }

    static func name(_ binding: BrokerObjects.Binding) -> String {
        let arguments = binding.arguments.isEmpty ? "" : " " + binding.arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.text)" }.joined(separator: ",")
        return "\(binding.exchange) -> \(binding.queue) [\(binding.routingKey)]\(arguments)"
    }
}
