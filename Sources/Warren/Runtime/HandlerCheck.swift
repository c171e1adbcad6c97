import Topology

/// Compares a context's handlers with its topology file; a worker whose code and topology
/// disagree refuses to start, naming each difference.
enum HandlerCheck {
    static func mismatches(_ context: BoundedContext, _ topology: Topology.Context) -> [String] {
        var problems: [String] = []
        let file = topology.location.file
        var consumed: [String: String] = [:]
        for queue in topology.queues where queue.role == .consumer {
            for reference in queue.consumes { consumed[reference.type] = queue.name }
        }
        for (type, queue) in consumed.sorted(by: { $0.key < $1.key }) where context.handler(for: type) == nil {
            problems.append("queue \(queue) consumes \(type) (\(file)) but \(context.name) registers no handler for it: add `on(\(type.split(separator: ".").last ?? "").self)` or remove it from the queue")
        }
        for type in context.handledTypes where consumed[type] == nil {
            problems.append("\(context.name) handles \(type) but no queue in \(file) consumes it: add it to a queue's `consumes` or remove the handler")
        }
        return problems
    }
}
