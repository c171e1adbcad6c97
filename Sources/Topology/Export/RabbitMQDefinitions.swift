/// The fleet as a RabbitMQ definitions file, which `rabbitmqctl import_definitions` and the
/// management API's `POST /api/definitions` accept. Objects only: no users, so an import never
/// touches credentials. Everything is durable (quorum queues must be).
///
/// One system goes to the virtual host `/` (import it into any vhost with
/// `POST /api/definitions/{vhost}`); several go each to a vhost named after the system, listed
/// under `vhosts`, since each system is a namespace of its own.
public enum RabbitMQDefinitions {
    public static let virtualHost = "/"

    public static func document(for fleet: Fleet) -> JSON {
        let placed = fleet.systems.map { (vhost: fleet.systems.count == 1 ? virtualHost : $0.name, fleet: $0.fleet) }
        var exchanges: [JSON] = []
        var queues: [JSON] = []
        var bindings: [JSON] = []
        for (vhost, namespace) in placed {
            for exchange in namespace.exchanges.sorted(by: { $0.name < $1.name }) {
                exchanges.append([
                    "name": .string(exchange.name), "vhost": .string(vhost), "type": .string(exchange.kind.rawValue),
                    "durable": true, "auto_delete": false, "internal": false, "arguments": [:],
                ])
            }
            let sortedQueues = namespace.queues.sorted { $0.name < $1.name }
            for queue in sortedQueues {
                queues.append([
                    "name": .string(queue.name), "vhost": .string(vhost), "durable": true, "auto_delete": false,
                    "arguments": .object(queue.arguments.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }),
                ])
            }
            let sortedBindings = sortedQueues.flatMap(\.bindings).sorted {
                ($0.exchange, $0.queue, $0.routingKey) < ($1.exchange, $1.queue, $1.routingKey)
            }
            for binding in sortedBindings {
                bindings.append([
                    "source": .string(binding.exchange), "vhost": .string(vhost), "destination": .string(binding.queue),
                    "destination_type": "queue", "routing_key": .string(binding.routingKey),
                    "arguments": .object(binding.arguments.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }),
                ])
            }
        }
        var document: [(String, JSON)] = []
        if placed.count > 1 {
            document.append(("vhosts", .array(placed.map { ["name": .string($0.vhost)] })))
        }
        document += [("exchanges", .array(exchanges)), ("queues", .array(queues)), ("bindings", .array(bindings))]
        return .object(document)
    }

    public static func json(for fleet: Fleet) -> String { document(for: fleet).rendered() }
}
