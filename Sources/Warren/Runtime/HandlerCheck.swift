import Topology

/// Compares a context's handlers with its topology file; a worker whose code and topology
/// disagree refuses to start, naming each difference.
enum HandlerCheck {
    static func mismatches(_ context: BoundedContext, _ topology: Topology.Context) -> [String] {
        var problems: [String] = []
        let file = topology.location.file
        var consumed: [String: Topology.Queue] = [:]
        for queue in topology.queues where queue.role == .consumer || queue.role == .rpc {
            for reference in queue.consumes { consumed[reference.type] = queue }
        }
        for (type, queue) in consumed.sorted(by: { $0.key < $1.key }) {
            let name = type.split(separator: ".").last ?? ""
            guard let handler = context.handler(for: type) else {
                if queue.role == .rpc {
                    problems.append("\(file) declares the rpc \(type) but \(context.name) serves no handler for it: add `serve(\(name).self)` or remove the rpc")
                } else {
                    problems.append("queue \(queue.name) consumes \(type) (\(file)) but \(context.name) registers no handler for it: add `on(\(name).self)` or remove it from the queue")
                }
                continue
            }
            if queue.role == .rpc && handler.kind != .rpc {
                problems.append("\(type) is an rpc in \(file): register it with `serve(\(name).self)`, which returns the reply, not `on`")
            }
            if queue.role == .consumer && handler.kind == .rpc {
                problems.append("\(type) is not an rpc in \(file) (queue \(queue.name) consumes it): register it with `on(\(name).self)`, not `serve`")
            }
        }
        for type in context.handledTypes where consumed[type] == nil {
            problems.append("\(context.name) handles \(type) but no queue in \(file) consumes it: add it to a queue's `consumes` or remove the handler")
        }
        let called = Set(topology.calls.map(\.type))
        for type in context.handledTypes where context.handler(for: type)?.needsCalls == true && called.isEmpty {
            problems.append("the handler of \(type) makes RPCs (`before:`) but \(file) lists no `calls`: add the endpoints it calls")
        }
        return problems
    }
}
