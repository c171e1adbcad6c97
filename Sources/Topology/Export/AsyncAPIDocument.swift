/// The fleet as an AsyncAPI 3.0 document: one channel per exchange (where messages are sent)
/// and per queue (where they are received), one operation per context and direction, RPCs as
/// send operations with a reply, payload schemas from the field declarations.
///
/// Channel ids are `exchange.<name>`, `queue.<name>` and `replies.<context>`, since an exchange
/// and a queue may share a name (`payment.commands`).
public enum AsyncAPIDocument {
    static func channel(exchange: String) -> String { "exchange.\(exchange)" }
    static func channel(queue: String) -> String { "queue.\(queue)" }
    static func channel(replies context: String) -> String { "replies.\(context)" }

    static let bindingVersion: JSON = "0.3.0"

    public static func document(for fleet: Fleet, title: String = "Warren fleet", version: String = "1.0.0") -> JSON {
        var channels: [(String, JSON)] = []
        var operations: [(String, JSON)] = []
        var messages: [(String, JSON)] = []

        let contexts = fleet.contexts.sorted { $0.name < $1.name }
        for context in contexts {
            for message in context.messages.sorted(by: { $0.type < $1.type }) {
                messages.append((message.type, messageObject(message)))
            }
        }

        // Exchanges: what is published to each, by whom.
        var published: [String: [String]] = [:]
        for context in contexts {
            for publication in context.publications(in: fleet) where !(published[publication.exchange] ?? []).contains(publication.type) {
                published[publication.exchange, default: []].append(publication.type)
            }
        }
        for exchange in fleet.exchanges.sorted(by: { $0.name < $1.name }) where !exchange.isPlumbing {
            let types = (published[exchange.name] ?? []).sorted()
            channels.append((channel(exchange: exchange.name), [
                "address": .string(exchange.name),
                "title": .string("\(exchange.role == .commands ? "Commands and RPC requests of" : "Published by") \(exchange.context)"),
                "messages": .object(types.map { ($0, ref("#/components/messages/\($0)")) }),
                "bindings": ["amqp": [
                    "is": "routingKey",
                    "exchange": ["name": .string(exchange.name), "type": .string(exchange.kind.rawValue), "durable": true, "autoDelete": false, "vhost": "/"],
                    "bindingVersion": bindingVersion,
                ]],
            ]))
        }
        // Queues: what each context receives.
        for queue in fleet.queues.sorted(by: { $0.name < $1.name }) where queue.role == .consumer || queue.role == .rpc {
            let types = queue.consumes.map(\.type).filter { fleet.message($0) != nil }
            channels.append((channel(queue: queue.name), [
                "address": .string(queue.name),
                "title": .string("Consumed by \(queue.context)"),
                "messages": .object(types.map { ($0, ref("#/components/messages/\($0)")) }),
                "bindings": ["amqp": [
                    "is": "queue",
                    "queue": ["name": .string(queue.name), "durable": true, "exclusive": false, "autoDelete": false, "vhost": "/"],
                    "bindingVersion": bindingVersion,
                ]],
            ]))
        }
        // RPC replies travel to each caller's `reply_to`: one channel per server, address unknown.
        for context in contexts where !context.rpcs.isEmpty {
            channels.append((channel(replies: context.name), [
                "address": .null,
                "title": .string("Replies of \(context.name)'s RPCs, sent to the caller's reply_to"),
                "messages": .object(context.rpcs.map { ($0.reply.type, ref("#/components/messages/\($0.reply.type)")) }),
            ]))
        }

        for context in contexts {
            // Sends, grouped by exchange (events, commands to others, RPC compensations).
            var byExchange: [String: [String]] = [:]
            let rpcTypes = Set(context.calls.map(\.type))
            for publication in context.publications(in: fleet) where !rpcTypes.contains(publication.type) {
                if !(byExchange[publication.exchange] ?? []).contains(publication.type) { byExchange[publication.exchange, default: []].append(publication.type) }
            }
            for (exchange, types) in byExchange.sorted(by: { $0.key < $1.key }) where fleet.exchange(exchange) != nil {
                operations.append(("\(context.name).send.\(exchange)", [
                    "action": "send",
                    "channel": ref("#/channels/\(channel(exchange: exchange))"),
                    "summary": .string("\(context.name) publishes on \(exchange)"),
                    "messages": .array(types.sorted().map { ref("#/channels/\(channel(exchange: exchange))/messages/\($0)") }),
                ]))
            }
            for call in context.calls {
                guard let rpc = fleet.rpc(call.type) else { continue }
                operations.append(("\(context.name).call.\(rpc.type)", [
                    "action": "send",
                    "channel": ref("#/channels/\(channel(exchange: rpc.request.exchange))"),
                    "summary": .string("\(context.name) calls \(rpc.type)\(rpc.timeout.map { " (deadline \($0))" } ?? "")"),
                    "messages": [ref("#/channels/\(channel(exchange: rpc.request.exchange))/messages/\(rpc.type)")],
                    "reply": [
                        "address": ["location": "$message.header#/reply_to"],
                        "channel": ref("#/channels/\(channel(replies: rpc.context))"),
                        "messages": [ref("#/channels/\(channel(replies: rpc.context))/messages/\(rpc.reply.type)")],
                    ],
                ]))
            }
            for queue in context.queues where queue.role == .consumer || queue.role == .rpc {
                let types = queue.consumes.map(\.type).filter { fleet.message($0) != nil }
                var operation: [(String, JSON)] = [
                    ("action", "receive"),
                    ("channel", ref("#/channels/\(channel(queue: queue.name))")),
                    ("summary", .string(queue.role == .rpc ? "\(context.name) serves its RPCs" : "\(context.name) consumes \(queue.name)")),
                    ("messages", .array(types.map { ref("#/channels/\(channel(queue: queue.name))/messages/\($0)") })),
                ]
                if queue.role == .rpc {
                    let replies = context.rpcs.filter { $0.queue == queue.name }.map(\.reply.type)
                    operation.append(("reply", [
                        "address": ["location": "$message.header#/reply_to"],
                        "channel": ref("#/channels/\(channel(replies: context.name))"),
                        "messages": .array(replies.map { ref("#/channels/\(channel(replies: context.name))/messages/\($0)") }),
                    ]))
                }
                operations.append(("\(context.name).receive.\(queue.name)", .object(operation)))
            }
        }

        return [
            "asyncapi": "3.0.0",
            "info": [
                "title": .string(title),
                "version": .string(version),
                "description": "Generated by `warren topology export --format asyncapi` from topology/. Message types travel in the AMQP `type` property as `<context>.<Name>`; the routing key is the type.",
            ],
            "defaultContentType": "application/json",
            "channels": .object(channels),
            "operations": .object(operations),
            "components": ["messages": .object(messages)],
        ]
    }

    public static func json(for fleet: Fleet, title: String = "Warren fleet") -> String {
        document(for: fleet, title: title).rendered()
    }

    static func ref(_ pointer: String) -> JSON { ["$ref": .string(pointer)] }

    static func messageObject(_ message: Message) -> JSON {
        var object: [(String, JSON)] = [
            ("name", .string(message.type)),
            ("title", .string("\(message.name) (\(message.kind.rawValue) of \(message.context))")),
        ]
        if let description = message.description { object.append(("summary", .string(description))) }
        object += [
            ("contentType", "application/json"),
            ("correlationId", ["location": "$message.header#/correlation_id"]),
            ("payload", schema(of: message.fields)),
            ("bindings", ["amqp": ["messageType": .string(message.type), "bindingVersion": bindingVersion]]),
        ]
        return .object(object)
    }

    /// A JSON schema of an object with these fields; optional fields may be absent or null.
    public static func schema(of fields: [Field]) -> JSON {
        var object: [(String, JSON)] = [
            ("type", "object"),
            ("properties", .object(fields.map { ($0.name, schema(of: $0.type, description: $0.description)) })),
        ]
        let required = fields.filter { !$0.type.isOptional }.map { JSON.string($0.name) }
        if !required.isEmpty { object.append(("required", .array(required))) }
        return .object(object)
    }

    static func schema(of type: FieldType, description: String? = nil) -> JSON {
        var schema: [(String, JSON)]
        switch type {
        case .string: schema = [("type", "string")]
        case .int: schema = [("type", "integer")]
        case .decimal: schema = [("type", "number")]
        case .bool: schema = [("type", "boolean")]
        case .dateTime: schema = [("type", "string"), ("format", "date-time")]
        case .uuid: schema = [("type", "string"), ("format", "uuid")]
        case .enumeration(let values): schema = [("type", "string"), ("enum", .array(values.map(JSON.string)))]
        case .list(let element): schema = [("type", "array"), ("items", Self.schema(of: element))]
        case .optional(let wrapped): schema = [("anyOf", [Self.schema(of: wrapped), ["type": "null"]])]
        }
        if let description { schema.append(("description", .string(description))) }
        return .object(schema)
    }
}
