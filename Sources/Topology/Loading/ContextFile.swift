import Yams

/// Reads `topology/<system>/<context>.yaml` into a `Context`, deriving the conventional
/// exchanges and queues. Bindings that depend on other contexts' files (those implied by
/// `consumes`) are filled in by `FleetLoader` once every file is read.
struct ContextFile {
    var context: Context
    /// Queues without written `bindings`, whose bindings follow from `consumes`.
    var queuesWithImpliedBindings: Set<String>

    static let keys = ["context", "description", "store", "exchanges", "events", "commands", "rpc", "queues", "sends", "calls", "views"]
    static let messageKeys = ["description", "fields"]
    static let eventKeys = ["description", "fields", "exchange"]
    static let rpcKeys = ["description", "request", "reply", "compensation", "queue", "timeout"]
    static let queueKeys = ["description", "consumes", "bindings", "type", "dead_letter", "retry", "ttl", "delivery_limit", "ordering_key", "prefetch"]
    static let bindingKeys = ["exchange", "routing_key"]
    static let retryKeys = ["attempts", "delay", "backoff", "max_delay"]
    static let exchangeKeys = ["description", "type"]
    static let viewKeys = ["description", "key", "fields"]
    static let fieldKeys = ["type", "description"]

    /// Reads one context file; `name` is the file name without `.yaml`.
    static func read(_ root: Node, file: String, name: String, system: String, reader: inout NodeReader) -> ContextFile? {
        guard let pairs = reader.mapping(root, "a context file", allowed: keys) else { return nil }
        let rootLocation = reader.location(of: root)
        var context = Context(name: name, system: system, location: rootLocation)
        var implied: Set<String> = []
        var writtenExchanges: [Exchange] = []
        var consumerQueues: [Queue] = []
        var retryLocations: [String: SourceLocation] = [:]

        if let declared = pairs.first(where: { $0.key == "context" }) {
            context.location = reader.location(of: declared.keyNode)
            if let value = reader.string(declared.value, "context"), value != name {
                reader.report(declared.value, "the context is named `\(value)` but its file is `\(name).yaml`",
                              fix: "rename the file to `\(value).yaml` or write `context: \(name)`")
            }
        } else {
            reader.report(root, "a context file must start with `context: \(name)`")
        }

        for (key, _, value) in pairs {
            switch key {
            case "description":
                context.description = reader.string(value, key)
            case "store":
                if let text = reader.string(value, key) {
                    if let store = Context.Store(rawValue: text) { context.store = store } else {
                        reader.report(value, "unknown store `\(text)`",
                                      fix: Suggestion.didYouMean(text, in: Context.Store.allCases.map(\.rawValue)) ?? "use `postgres` (the default) or `sqlite`")
                    }
                }
            case "exchanges":
                for (exchangeName, keyNode, body) in reader.mapping(value, "`exchanges`") ?? [] {
                    var kind = Exchange.Kind.topic
                    if case .mapping = body, let fields = reader.mapping(body, "exchange `\(exchangeName)`", allowed: exchangeKeys) {
                        for (k, _, v) in fields where k == "type" {
                            if let text = reader.string(v, k) {
                                if let parsed = Exchange.Kind(rawValue: text) { kind = parsed } else {
                                    reader.report(v, "unknown exchange type `\(text)`",
                                                  fix: Suggestion.didYouMean(text, in: Exchange.Kind.allCases.map(\.rawValue)) ?? "use topic, direct, fanout or headers")
                                }
                            }
                        }
                    } else if case .scalar(let s) = body, s.string.isEmpty {
                        // `name:` alone: a topic exchange.
                    } else if case .mapping = body {} else {
                        reader.report(body, "exchange `\(exchangeName)` must be a mapping such as `{ type: fanout }`, got \(NodeReader.describe(body))")
                    }
                    writtenExchanges.append(Exchange(name: exchangeName, kind: kind, role: .custom, context: name,
                                                     derived: false, location: reader.location(of: keyNode)))
                }
            case "events", "commands":
                let kind: Message.Kind = key == "events" ? .event : .command
                for (messageName, keyNode, body) in reader.mapping(value, "`\(key)`") ?? [] {
                    let allowed = kind == .event ? eventKeys : messageKeys
                    var message = Message(context: name, name: messageName, kind: kind, fields: [],
                                          exchange: kind == .event ? context.eventsExchange : context.commandsExchange,
                                          location: reader.location(of: keyNode))
                    if case .scalar(let s) = body, s.string.isEmpty {
                        context.messages.append(message)  // a message without fields
                        continue
                    }
                    for (k, _, v) in reader.mapping(body, "\(kind.rawValue) `\(messageName)`", allowed: allowed) ?? [] {
                        switch k {
                        case "description": message.description = reader.string(v, k)
                        case "fields": message.fields = readFields(v, of: "\(kind.rawValue) `\(messageName)`", reader: &reader)
                        case "exchange": if let e = reader.string(v, k) { message.exchange = e }
                        default: break
                        }
                    }
                    context.messages.append(message)
                }
            case "rpc":
                for (rpcName, keyNode, body) in reader.mapping(value, "`rpc`") ?? [] {
                    guard let fields = reader.mapping(body, "rpc `\(rpcName)`", allowed: rpcKeys) else { continue }
                    let location = reader.location(of: keyNode)
                    _ = reader.require(["request", "reply"], in: fields, of: keyNode, "rpc `\(rpcName)`")
                    var request = Message(context: name, name: rpcName, kind: .rpcRequest, fields: [],
                                          exchange: context.commandsExchange, location: location)
                    var reply = Message(context: name, name: rpcName + "Reply", kind: .rpcReply, fields: [],
                                        exchange: "", location: location)
                    var queue = context.rpcQueue
                    var compensation: String?
                    var timeout: Interval?
                    for (k, _, v) in fields {
                        switch k {
                        case "description": request.description = reader.string(v, k)
                        case "request":
                            request.fields = readFields(v, of: "the request of rpc `\(rpcName)`", reader: &reader)
                            request.location = reader.location(of: v)
                        case "reply":
                            reply.fields = readFields(v, of: "the reply of rpc `\(rpcName)`", reader: &reader)
                            reply.location = reader.location(of: v)
                        case "queue": if let q = reader.string(v, k) { queue = q }
                        case "compensation":
                            if let c = reader.string(v, k) { compensation = c.contains(".") ? c : "\(name).\(c)" }
                        case "timeout": timeout = reader.interval(v, k)
                        default: break
                        }
                    }
                    context.messages.append(request)
                    context.messages.append(reply)
                    context.rpcs.append(RPCEndpoint(name: rpcName, context: name, request: request, reply: reply, queue: queue,
                                                    compensation: compensation, timeout: timeout, location: location))
                }
            case "queues":
                for (queueName, keyNode, body) in reader.mapping(value, "`queues`") ?? [] {
                    guard let fields = reader.mapping(body, "queue `\(queueName)`", allowed: queueKeys) else { continue }
                    var queue = Queue(name: queueName, context: name, deadLetterExchange: context.deadLetterExchange,
                                      retry: .default, deliveryLimit: Queue.defaultDeliveryLimit, location: reader.location(of: keyNode))
                    retryLocations[queueName] = queue.location
                    var bindingsWritten = false
                    var deliveryLimitWritten = false
                    for (k, kNode, v) in fields {
                        switch k {
                        case "description": break
                        case "consumes":
                            queue.consumes = (reader.strings(v, k) ?? []).map { MessageReference($0.0, at: reader.location(of: $0.1)) }
                        case "bindings":
                            bindingsWritten = true
                            for entry in reader.sequence(v, k) ?? [] {
                                guard let b = reader.mapping(entry, "a binding", allowed: bindingKeys),
                                      reader.require(bindingKeys, in: b, of: entry, "a binding") else { continue }
                                let exchange = b.first { $0.key == "exchange" }.flatMap { reader.string($0.value, "exchange") }
                                let routingKey = b.first { $0.key == "routing_key" }.flatMap { reader.string($0.value, "routing_key") }
                                if let exchange, let routingKey {
                                    queue.bindings.append(Binding(exchange: exchange, routingKey: routingKey, queue: queueName,
                                                                  derived: false, location: reader.location(of: entry)))
                                }
                            }
                        case "type":
                            if let text = reader.string(v, k) {
                                if let kind = Queue.Kind(rawValue: text) { queue.kind = kind } else {
                                    reader.report(v, "unknown queue type `\(text)`",
                                                  fix: Suggestion.didYouMean(text, in: Queue.Kind.allCases.map(\.rawValue)) ?? "use `quorum` (the default) or `classic`")
                                }
                            }
                        case "dead_letter":
                            if let text = reader.string(v, k) { queue.deadLetterExchange = text == "none" ? nil : text }
                        case "retry":
                            retryLocations[queueName] = reader.location(of: kNode)
                            queue.retry = readRetry(v, reader: &reader)
                        case "ttl": queue.messageTTL = reader.interval(v, k)
                        case "delivery_limit":
                            deliveryLimitWritten = true
                            queue.deliveryLimit = reader.int(v, k, minimum: 1)
                        case "ordering_key": queue.orderingKey = reader.string(v, k)
                        case "prefetch": if let p = reader.int(v, k, minimum: 1) { queue.prefetch = p }
                        default: break
                        }
                    }
                    if queue.kind == .classic, !deliveryLimitWritten { queue.deliveryLimit = nil }
                    if !bindingsWritten { implied.insert(queueName) }
                    consumerQueues.append(queue)
                }
            case "sends", "calls":
                let references = (reader.strings(value, key) ?? []).map { MessageReference($0.0, at: reader.location(of: $0.1)) }
                if key == "sends" { context.sends = references } else { context.calls = references }
            case "views":
                for (viewName, keyNode, body) in reader.mapping(value, "`views`") ?? [] {
                    guard let fields = reader.mapping(body, "view `\(viewName)`", allowed: viewKeys) else { continue }
                    var view = View(name: viewName, context: name, key: nil, fields: [], location: reader.location(of: keyNode))
                    for (k, _, v) in fields {
                        switch k {
                        case "key": view.key = reader.string(v, k)
                        case "fields": view.fields = readFields(v, of: "view `\(viewName)`", reader: &reader)
                        default: break
                        }
                    }
                    context.views.append(view)
                }
            default:
                break
            }
        }

        // A delayed retry comes back through `<context>.requeue`, by its `warren-retry-queue` header.
        for index in consumerQueues.indices where consumerQueues[index].retry != nil {
            let queue = consumerQueues[index]
            consumerQueues[index].bindings.append(Binding(
                exchange: context.requeueExchange, routingKey: "",
                arguments: ["x-match": .string("all"), Queue.retryQueueHeader: .string(queue.name)],
                queue: queue.name, derived: true, location: retryLocations[queue.name] ?? queue.location))
        }
        context.exchanges = derivedExchanges(for: context, written: writtenExchanges, queues: consumerQueues)
        context.queues = consumerQueues + derivedQueues(for: context, consumers: consumerQueues, retryLocations: retryLocations)
        if context.store.isProcessLocal {
            // A store local to one process: a second replica must stand by, not consume.
            for index in context.queues.indices where [.consumer, .rpc].contains(context.queues[index].role) {
                context.queues[index].singleActiveConsumer = true
            }
        }
        return ContextFile(context: context, queuesWithImpliedBindings: implied)
    }

    /// Fields as `name: type` or `name: { type: T, description: ... }`.
    static func readFields(_ node: Node, of what: String, reader: inout NodeReader) -> [Field] {
        if case .scalar(let s) = node, s.string.isEmpty { return [] }
        var fields: [Field] = []
        for (fieldName, keyNode, body) in reader.mapping(node, "the fields of \(what)") ?? [] {
            var typeNode = body
            var description: String?
            if case .mapping = body {
                guard let pairs = reader.mapping(body, "field `\(fieldName)`", allowed: fieldKeys),
                      reader.require(["type"], in: pairs, of: body, "field `\(fieldName)`") else { continue }
                for (k, _, v) in pairs {
                    if k == "type" { typeNode = v } else { description = reader.string(v, k) }
                }
            }
            guard let text = reader.string(typeNode, "the type of `\(fieldName)`") else { continue }
            guard let type = FieldType(parsing: text) else {
                reader.report(typeNode, "unknown type `\(text)` for field `\(fieldName)`", fix: typeFix(text))
                continue
            }
            fields.append(Field(name: fieldName, type: type, description: description, location: reader.location(of: keyNode)))
        }
        return fields
    }

    static func typeFix(_ text: String) -> String {
        if text.hasSuffix("?") { return "write `optional(\(text.dropLast()))`" }
        if text.hasPrefix("["), text.hasSuffix("]") { return "write `list(\(text.dropFirst().dropLast()))`" }
        if text.hasPrefix("enum"), !text.hasSuffix(")") { return "write `enum(A, B)`" }
        let known = FieldType.scalarNames + ["enum", "optional", "list"]
        if let close = Suggestion.closest(to: text, in: known + ["integer", "number", "boolean", "datetime", "timestamp"]) {
            let mapped = ["integer": "int", "number": "decimal", "boolean": "bool", "datetime": "date-time", "timestamp": "date-time"][close] ?? close
            return "did you mean `\(mapped)`?"
        }
        let aliases = ["integer": "int", "number": "decimal", "boolean": "bool", "datetime": "date-time", "timestamp": "date-time", "float": "decimal", "double": "decimal", "long": "int"]
        if let mapped = aliases[text.lowercased()] { return "did you mean `\(mapped)`?" }
        return "use string, int, decimal, bool, date-time, uuid, enum(A, B), optional(T) or list(T)"
    }

    /// `retry: none`, or `{ attempts, delay, backoff, max_delay }` over the defaults.
    static func readRetry(_ node: Node, reader: inout NodeReader) -> RetryPolicy? {
        if case .scalar(let s) = node, s.string == "none" { return nil }
        guard let pairs = reader.mapping(node, "`retry`", allowed: retryKeys) else { return .default }
        var attempts = RetryPolicy.default.attempts
        var first = RetryPolicy.default.delays.first ?? .seconds(1)
        var backoff = 5
        var maximum: Interval?
        for (k, _, v) in pairs {
            switch k {
            case "attempts": attempts = reader.int(v, k, minimum: 1) ?? attempts
            case "delay": first = reader.interval(v, k) ?? first
            case "backoff": backoff = reader.int(v, k, minimum: 1) ?? backoff
            case "max_delay": maximum = reader.interval(v, k)
            default: break
            }
        }
        return attempts > 1 ? RetryPolicy(attempts: attempts, first: first, multiplier: backoff, maximum: maximum) : nil
    }

    /// The written exchanges plus `<context>.events`, `.commands`, `.dead` and `.retry` where
    /// the context needs them.
    static func derivedExchanges(for context: Context, written: [Exchange], queues: [Queue]) -> [Exchange] {
        var result: [Exchange] = []
        func derive(_ name: String, _ kind: Exchange.Kind, _ role: Exchange.Role) {
            if let index = written.firstIndex(where: { $0.name == name }) {
                var exchange = written[index]
                exchange.role = role  // written explicitly, e.g. to document it: same object.
                result.append(exchange)
            } else {
                result.append(Exchange(name: name, kind: kind, role: role, context: context.name, derived: true, location: context.location))
            }
        }
        if context.messages.contains(where: { $0.kind == .event && $0.exchange == context.eventsExchange }) {
            derive(context.eventsExchange, .topic, .events)
        }
        if !context.commands.isEmpty || !context.rpcs.isEmpty { derive(context.commandsExchange, .topic, .commands) }
        derive(context.deadLetterExchange, .fanout, .deadLetter)
        if queues.contains(where: { $0.retry != nil }) {
            derive(context.retryExchange, .direct, .retry)
            derive(context.requeueExchange, .headers, .requeue)
        }
        let derivedNames = Set(result.map(\.name))
        return result + written.filter { !derivedNames.contains($0.name) }
    }

    /// The RPC queues, the dead-letter queue, and the delay queues of every retrying queue.
    static func derivedQueues(for context: Context, consumers: [Queue], retryLocations: [String: SourceLocation]) -> [Queue] {
        var result: [Queue] = []
        var rpcQueues: [String] = []
        for rpc in context.rpcs where !rpcQueues.contains(rpc.queue) { rpcQueues.append(rpc.queue) }
        for name in rpcQueues {
            let served = context.rpcs.filter { $0.queue == name }
            result.append(Queue(
                name: name, context: context.name, role: .rpc,
                consumes: served.map { MessageReference($0.type, at: $0.location) },
                bindings: served.map {
                    Binding(exchange: context.commandsExchange, routingKey: $0.type, queue: name, derived: true, location: $0.location)
                },
                deadLetterExchange: context.deadLetterExchange, retry: nil, deliveryLimit: Queue.defaultDeliveryLimit,
                derived: true, location: served[0].location))
        }
        // Classic, not quorum: a quorum queue drops a message after its delivery limit (20 by
        // default on RabbitMQ 4), and every `warren dead list` returns each dead letter once.
        result.append(Queue(
            name: context.deadLetterQueue, context: context.name, role: .deadLetter, kind: .classic,
            bindings: [Binding(exchange: context.deadLetterExchange, routingKey: "", queue: context.deadLetterQueue,
                               derived: true, location: context.location)],
            deadLetterExchange: nil, retry: nil, derived: true, location: context.location))
        // One delay queue per distinct delay of the context's queues.
        var delays: [Interval: SourceLocation] = [:]
        for queue in consumers {
            for delay in queue.retry?.delays ?? [] where delays[delay] == nil {
                delays[delay] = retryLocations[queue.name] ?? queue.location
            }
        }
        for (delay, location) in delays.sorted(by: { $0.key < $1.key }) {
            let name = "\(context.name).retry.\(delay)"
            result.append(Queue(
                name: name, context: context.name, role: .retryDelay(delay),
                bindings: [Binding(exchange: context.retryExchange, routingKey: name, queue: name, derived: true, location: location)],
                deadLetterExchange: context.requeueExchange, retry: nil, messageTTL: delay, derived: true, location: location))
        }
        return result
    }
}
