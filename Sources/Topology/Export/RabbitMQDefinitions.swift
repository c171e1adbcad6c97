/// The fleet as a RabbitMQ definitions file, which `rabbitmqctl import_definitions` and the
/// management API's `POST /api/definitions` accept. Objects only: no users, no vhost, so an
/// import never touches credentials. Everything is durable (quorum queues must be).
public enum RabbitMQDefinitions {
    public static let virtualHost = "/"

    public static func document(for fleet: Fleet) -> JSON {
        let exchanges = fleet.exchanges.sorted { $0.name < $1.name }
        let queues = fleet.queues.sorted { $0.name < $1.name }
        let bindings = queues.flatMap(\.bindings).sorted { ($0.exchange, $0.queue, $0.routingKey) < ($1.exchange, $1.queue, $1.routingKey) }
        return [
            "exchanges": .array(exchanges.map { exchange in
                [
                    "name": .string(exchange.name), "vhost": .string(virtualHost), "type": .string(exchange.kind.rawValue),
                    "durable": true, "auto_delete": false, "internal": false, "arguments": [:],
                ]
            }),
            "queues": .array(queues.map { queue in
                [
                    "name": .string(queue.name), "vhost": .string(virtualHost), "durable": true, "auto_delete": false,
                    "arguments": .object(queue.arguments.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }),
                ]
            }),
            "bindings": .array(bindings.map { binding in
                [
                    "source": .string(binding.exchange), "vhost": .string(virtualHost), "destination": .string(binding.queue),
                    "destination_type": "queue", "routing_key": .string(binding.routingKey),
                    "arguments": .object(binding.arguments.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }),
                ]
            }),
        ]
    }

    public static func json(for fleet: Fleet) -> String { document(for: fleet).rendered() }
}
