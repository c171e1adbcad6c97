/// Checks the whole fleet graph: names, references, routing, dead-letter paths, ownership.
/// Every problem is collected; each names its position and, where there is one, the fix.
///
/// Each system is checked as a namespace of its own (it runs in its own virtual host and
/// database): a name must be unique within its system, and a reference resolves there.
public enum Validator {
    public static func validate(_ fleet: Fleet) -> [Diagnostic] {
        fleet.systems.flatMap { validate(namespace: $0.fleet) }.sorted {
            ($0.location.file, $0.location.line, $0.location.column, $0.problem)
                < ($1.location.file, $1.location.line, $1.location.column, $1.problem)
        }
    }

    private static func validate(namespace fleet: Fleet) -> [Diagnostic] {
        var check = Check(fleet: fleet)
        check.names()
        check.clashes()
        for context in fleet.contexts {
            check.messages(of: context)
            check.exchanges(of: context)
            check.queues(of: context)
            check.sendsAndCalls(of: context)
            check.rpcs(of: context)
            check.views(of: context)
        }
        check.rpcServers()
        for system in fleet.systems {
            if let gateway = system.gateway { check.gateway(gateway, of: system) }
        }
        return check.diagnostics.sorted {
            ($0.location.file, $0.location.line, $0.location.column, $0.problem)
                < ($1.location.file, $1.location.line, $1.location.column, $1.problem)
        }
    }
}

/// One validation run: the fleet, what is published where, and the problems found so far.
private struct Check {
    let fleet: Fleet
    let publications: [Publication]
    let allTypes: [String]
    var diagnostics: [Diagnostic] = []

    init(fleet: Fleet) {
        self.fleet = fleet
        var publications = fleet.contexts.flatMap { $0.publications(in: fleet) }
        for system in fleet.systems {
            for route in system.gateway?.routes ?? [] {
                switch route.target {
                case .command(let type), .rpc(let type):
                    if let message = fleet.message(type), !message.exchange.isEmpty {
                        publications.append(Publication(type: type, exchange: message.exchange, location: route.targetLocation))
                    }
                case .view: break
                }
            }
        }
        self.publications = publications
        self.allTypes = fleet.contexts.flatMap { $0.messages.map(\.type) }
    }

    mutating func report(_ location: SourceLocation, _ problem: String, fix: String? = nil) {
        diagnostics.append(Diagnostic(location, problem, fix: fix))
    }

    /// Whether `name` (a type, exchange or RPC) belongs to a context whose file did not parse.
    func isUnreadable(_ name: String) -> Bool {
        guard let owner = Naming.owner(of: name) else { return false }
        return fleet.systems.contains { $0.unreadable.contains(owner) }
    }

    func file(of context: String) -> String {
        fleet.context(named: context).map { ($0.location.file as NSString).lastPathComponent } ?? "\(context).yaml"
    }

    // MARK: Names

    mutating func names() {
        var seen: [String: Context] = [:]
        for context in fleet.contexts {
            if !Naming.isKebab(context.name) {
                report(context.location, "context name `\(context.name)` breaks the naming convention",
                       fix: "name the file in lowercase kebab-case, e.g. `\(kebab(context.name)).yaml`")
            }
            if ["ingress", "amq"].contains(context.name) {
                report(context.location, "`\(context.name)` is reserved and cannot name a context", fix: "choose another name")
            }
            if let first = seen[context.name] {
                report(context.location, "context `\(context.name)` is also declared at \(first.location)",
                       fix: "context names are unique within a system; rename one of them")
            } else {
                seen[context.name] = context
            }
            for message in context.messages where message.kind != .rpcReply && !Naming.isUpperCamel(message.name) {
                report(message.location, "message name `\(message.name)` breaks the naming convention",
                       fix: "use UpperCamelCase, e.g. `\(upperCamel(message.name))`")
            }
            for message in context.messages {
                for field in message.fields where !Naming.isLowerCamel(field.name) {
                    report(field.location, "field name `\(field.name)` breaks the naming convention", fix: "use lowerCamelCase")
                }
            }
        }
    }

    mutating func clashes() {
        var exchanges: [String: Exchange] = [:]
        var queues: [String: Queue] = [:]
        for context in fleet.contexts {
            for exchange in context.exchanges {
                if let first = exchanges[exchange.name] {
                    let (here, there) = exchange.derived && !first.derived ? (first, exchange) : (exchange, first)
                    report(here.location, "exchange `\(exchange.name)` is declared twice (also \(there.derived ? "derived from" : "at") \(there.location))",
                           fix: there.derived ? "remove this entry: `\(exchange.name)` is created by convention" : "rename or remove one")
                } else {
                    exchanges[exchange.name] = exchange
                }
            }
            for queue in context.queues {
                if let first = queues[queue.name] {
                    let (here, there) = queue.derived && !first.derived ? (first, queue) : (queue, first)
                    report(here.location, "queue `\(queue.name)` is declared twice (also \(there.derived ? "derived at" : "at") \(there.location))",
                           fix: there.derived ? "rename this queue: `\(queue.name)` is created by convention" : "rename or remove one")
                } else {
                    queues[queue.name] = queue
                }
            }
            var types: [String: Message] = [:]
            for message in context.messages {
                if let first = types[message.type] {
                    report(message.location, "message `\(message.type)` is declared twice (also at \(first.location))",
                           fix: "rename or remove one; events, commands and RPCs of a context share one namespace")
                } else {
                    types[message.type] = message
                }
            }
        }
    }

    // MARK: Per context

    mutating func messages(of context: Context) {
        // Events are published mandatory, so one that no queue takes comes back unroutable and
        // its outbox row is retried for ever (the coffee system's first run did exactly that).
        let consumed = Set(fleet.queues.flatMap { $0.consumes.map(\.type) })
        // Not while a file did not parse or a consumed type is unknown: the event may be what a
        // broken reference meant, and that problem is the one to read.
        let cascades = fleet.systems.contains { !$0.unreadable.isEmpty } || !consumed.isSubset(of: Set(allTypes))
        for message in context.events where !cascades && !consumed.contains(message.type) {
            report(message.location, "event `\(message.type)` is consumed by no queue: published mandatory, it would come back unroutable and be retried for ever",
                   fix: "consume it in a context that needs it (a `consumes:` entry), or remove the event")
        }
        for message in context.events where message.exchange != context.eventsExchange {
            guard let owner = Naming.owner(of: message.exchange), owner == context.name else {
                let owner = Naming.owner(of: message.exchange) ?? "nobody"
                report(message.location,
                       "event `\(message.type)` is published on `\(message.exchange)`, an exchange of \(owner); a context publishes only on its own exchanges",
                       fix: "drop `exchange:` to publish on `\(context.eventsExchange)`, and let \(owner) consume it from there")
                continue
            }
            if context.exchange(message.exchange) == nil {
                report(message.location, "event `\(message.type)` is published on `\(message.exchange)`, which \(context.name) does not declare",
                       fix: "declare it under `exchanges:` or drop `exchange:`")
            }
        }
    }

    mutating func exchanges(of context: Context) {
        for exchange in context.exchanges where !exchange.derived {
            if let owner = Naming.owner(of: exchange.name), owner != context.name, fleet.context(named: owner) != nil {
                report(exchange.location, "exchange `\(exchange.name)` belongs to \(owner) by its name, but \(context.name) declares it; no context publishes on another context's exchange",
                       fix: "declare it in \(file(of: owner)), or name it `\(context.name).\(exchange.name.split(separator: ".").dropFirst().joined(separator: "."))`")
            } else if !Naming.isBrokerName(exchange.name, of: context.name) {
                report(exchange.location, "exchange name `\(exchange.name)` breaks the naming convention",
                       fix: "name it `\(context.name).<kebab-case-name>`")
            }
        }
    }

    mutating func queues(of context: Context) {
        for queue in context.queues {
            if !queue.derived, !Naming.isBrokerName(queue.name, of: context.name) {
                report(queue.location, "queue name `\(queue.name)` breaks the naming convention",
                       fix: "name it `\(context.name).<kebab-case-name>`, e.g. `\(context.name).\(kebab(queue.name.split(separator: ".").last.map(String.init) ?? "events"))`")
            }
            if queue.role != .deadLetter {
                deadLetterPath(of: queue, in: context)
            }
            if queue.kind == .classic, queue.deliveryLimit != nil {
                report(queue.location, "queue `\(queue.name)` sets `delivery_limit`, which only quorum queues support",
                       fix: "remove `delivery_limit` or make it `type: quorum`")
            }
            guard queue.role == .consumer || queue.role == .rpc else { continue }
            if queue.consumes.isEmpty {
                report(queue.location, "queue `\(queue.name)` consumes nothing", fix: "list its message types under `consumes:` or remove it")
            }
            for reference in queue.consumes { consumed(reference, by: queue, in: context) }
            for binding in queue.bindings { routed(binding, of: queue) }
        }
    }

    mutating func deadLetterPath(of queue: Queue, in context: Context) {
        guard let exchange = queue.deadLetterExchange else {
            report(queue.location, "queue `\(queue.name)` has no dead-letter path: rejected and over-limit messages would be lost",
                   fix: "remove `dead_letter: none` (the default sends them to `\(context.deadLetterExchange)`)")
            return
        }
        if Naming.owner(of: exchange) != context.name {
            report(queue.location, "queue `\(queue.name)` dead-letters to `\(exchange)`, which \(context.name) does not own",
                   fix: "dead-letter to an exchange of \(context.name), e.g. `\(context.deadLetterExchange)`")
        } else if context.exchange(exchange) == nil {
            report(queue.location, "queue `\(queue.name)` dead-letters to `\(exchange)`, which does not exist",
                   fix: Suggestion.didYouMean(exchange, in: context.exchanges.map(\.name)) ?? "use `\(context.deadLetterExchange)`")
        }
    }

    mutating func consumed(_ reference: MessageReference, by queue: Queue, in context: Context) {
        guard let (owner, _) = Naming.split(reference.type) else {
            report(reference.location, "`\(reference.type)` is not a message type",
                   fix: Suggestion.closest(to: reference.type, in: allTypes).map { "did you mean `\($0)`?" } ?? "write `<context>.<MessageName>`")
            return
        }
        guard let message = fleet.message(reference.type) else {
            if isUnreadable(reference.type) { return }
            report(reference.location, "queue `\(queue.name)` consumes `\(reference.type)`, which no context declares",
                   fix: Suggestion.didYouMean(reference.type, in: allTypes)
                       ?? (fleet.context(named: owner) == nil ? "there is no context `\(owner)`" : "declare it in \(file(of: owner)) or remove it"))
            return
        }
        switch message.kind {
        case .rpcReply:
            report(reference.location, "`\(message.type)` is an RPC reply; replies go to the caller's `reply_to`, never to a queue",
                   fix: "remove it from `consumes:`")
            return
        case .rpcRequest where queue.role != .rpc:
            report(reference.location, "`\(message.type)` is an RPC request, served by `\(fleet.rpc(message.type)?.queue ?? "")`",
                   fix: "remove it from `consumes:`; declare the endpoint under `rpc:`")
            return
        case .command where owner != context.name:
            report(reference.location, "queue `\(queue.name)` consumes `\(message.type)`, a command of \(owner); only \(owner) handles its commands",
                   fix: "consume an event of \(owner) instead")
            return
        default:
            break
        }
        if !publications.contains(where: { $0.type == message.type }) {
            report(reference.location, "queue `\(queue.name)` consumes `\(message.type)`, which nothing publishes",
                   fix: "list it under `sends:` of the context that sends it, or route to it in gateway.yaml")
        }
        let routes = queue.bindings.contains { binding in
            binding.exchange == message.exchange && (fleet.exchange(binding.exchange)?.kind ?? .topic).routes(message.type, to: binding.routingKey)
        }
        if !routes {
            report(reference.location, "queue `\(queue.name)` consumes `\(message.type)`, but none of its bindings routes it there",
                   fix: "add the binding `{ exchange: \(message.exchange), routing_key: \(message.type) }`")
        }
        if let key = queue.orderingKey, message.field(key) == nil {
            report(reference.location, "`\(message.type)` has no field `\(key)`, the ordering key of queue `\(queue.name)`",
                   fix: Suggestion.didYouMean(key, in: message.fields.map(\.name)) ?? "add the field or drop `ordering_key`")
        }
    }

    mutating func routed(_ binding: Binding, of queue: Queue) {
        guard let exchange = fleet.exchange(binding.exchange) else {
            if isUnreadable(binding.exchange) { return }
            report(binding.location, "queue `\(queue.name)` is bound to `\(binding.exchange)`, which no context declares",
                   fix: Suggestion.didYouMean(binding.exchange, in: fleet.exchanges.map(\.name)) ?? "bind to an existing exchange")
            return
        }
        guard !exchange.isPlumbing else { return }
        let published = publications.filter { $0.exchange == exchange.name }
        let reaching = published.filter { exchange.kind.routes($0.routingKey, to: binding.routingKey) }
        if reaching.isEmpty {
            let keys = Set(published.map(\.routingKey)).sorted()
            report(binding.location,
                   "the binding of `\(queue.name)` to `\(exchange.name)` with routing key `\(binding.routingKey)` can never match: nothing published there matches it",
                   fix: Suggestion.didYouMean(binding.routingKey, in: keys)
                       ?? (keys.isEmpty ? "nothing is published on `\(exchange.name)`" : "published there: \(keys.map { "`\($0)`" }.joined(separator: ", "))"))
            return
        }
        let consumed = Set(queue.consumes.map(\.type))
        for type in Set(reaching.map(\.type)).sorted() where !consumed.contains(type) {
            report(binding.location, "the binding `\(binding.routingKey)` routes `\(type)` to queue `\(queue.name)`, which does not consume it (it would be dead-lettered as unknown)",
                   fix: "add `\(type)` to `consumes:` or narrow the routing key")
        }
    }

    mutating func sendsAndCalls(of context: Context) {
        for reference in context.sends {
            guard let message = fleet.message(reference.type) else {
                if isUnreadable(reference.type) { continue }
                report(reference.location, "\(context.name) sends `\(reference.type)`, which no context declares",
                       fix: Suggestion.didYouMean(reference.type, in: allTypes) ?? "declare it under `commands:` of its context")
                continue
            }
            switch message.kind {
            case .command:
                break
            case .event where message.context != context.name:
                report(reference.location,
                       "\(context.name) sends `\(message.type)`, an event of \(message.context): it would publish on `\(message.exchange)`, another context's exchange",
                       fix: "only \(message.context) publishes its events; declare an event of \(context.name) or send a command of \(message.context)")
            case .event:
                report(reference.location, "`\(message.type)` is an event of \(context.name); events are published, not sent",
                       fix: "remove it from `sends:`")
            case .rpcRequest:
                report(reference.location, "`\(message.type)` is an RPC", fix: "list it under `calls:`")
            case .rpcReply:
                report(reference.location, "`\(message.type)` is an RPC reply; only its server sends it", fix: "remove it from `sends:`")
            }
        }
        for reference in context.calls where fleet.rpc(reference.type) == nil && !isUnreadable(reference.type) {
            let rpcs = fleet.contexts.flatMap { $0.rpcs.map(\.type) }
            report(reference.location, "\(context.name) calls `\(reference.type)`, which no context serves",
                   fix: Suggestion.didYouMean(reference.type, in: rpcs) ?? "declare it under `rpc:` of the serving context")
        }
    }

    mutating func rpcs(of context: Context) {
        for rpc in context.rpcs {
            if !Naming.isBrokerName(rpc.queue, of: context.name) {
                report(rpc.location, "rpc `\(rpc.name)` is served from `\(rpc.queue)`, which breaks the naming convention",
                       fix: "use `\(context.rpcQueue)` (the default) or `\(context.name).<kebab-case-name>`")
            }
            guard let compensation = rpc.compensation else { continue }
            guard let message = fleet.message(compensation), message.context == context.name, message.kind == .command else {
                report(rpc.location, "rpc `\(rpc.type)` names `\(compensation)` as its compensation, which is not a command of \(context.name)",
                       fix: Suggestion.didYouMean(compensation, in: context.commands.map(\.type)) ?? "declare it under `commands:` of \(context.name)")
                continue
            }
        }
    }

    /// Every RPC has exactly one server: one name, one context, within a system.
    mutating func rpcServers() {
        for system in fleet.systems {
            var servers: [String: RPCEndpoint] = [:]
            for rpc in system.contexts.flatMap(\.rpcs) {
                if let first = servers[rpc.name] {
                    report(rpc.location, "rpc `\(rpc.name)` has two servers: \(first.context) (\(first.location)) and \(rpc.context); every RPC has exactly one server",
                           fix: "remove one of them, or rename one if they are different operations")
                } else {
                    servers[rpc.name] = rpc
                }
            }
        }
    }

    mutating func views(of context: Context) {
        for view in context.views {
            if !Naming.isLowerCamel(view.name) {
                report(view.location, "view name `\(view.name)` breaks the naming convention", fix: "use lowerCamelCase")
            }
            if let key = view.key, !view.fields.contains(where: { $0.name == key }) {
                report(view.location, "view `\(view.name)` has key `\(key)`, which is not one of its fields",
                       fix: Suggestion.didYouMean(key, in: view.fields.map(\.name)) ?? "add the field")
            }
        }
    }

    // MARK: Gateway

    mutating func gateway(_ gateway: Gateway, of system: System) {
        var seen: [String: Route] = [:]
        for route in gateway.routes {
            let signature = "\(route.method.rawValue) \(route.path.replacingOccurrences(of: #"\{[^}]*\}"#, with: "{}", options: .regularExpression))"
            if let first = seen[signature] {
                report(route.location, "route `\(route.method.rawValue) \(route.path)` is declared twice (also at \(first.location))", fix: "remove one")
            } else {
                seen[signature] = route
            }
            path(of: route)
            target(of: route, in: system)
        }
    }

    mutating func path(of route: Route) {
        guard route.path.hasPrefix("/") else {
            report(route.pathLocation, "path `\(route.path)` must start with `/`")
            return
        }
        for segment in route.path.split(separator: "/") {
            let opens = segment.filter { $0 == "{" }.count, closes = segment.filter { $0 == "}" }.count
            if opens == 0, closes == 0 { continue }
            if !(segment.hasPrefix("{") && segment.hasSuffix("}") && opens == 1 && closes == 1) || !Naming.isLowerCamel(String(segment.dropFirst().dropLast())) {
                report(route.pathLocation, "path segment `\(segment)` is not a parameter", fix: "write a whole segment as `{name}`, name in lowerCamelCase")
            }
        }
    }

    mutating func target(of route: Route, in system: System) {
        let name = route.target.name
        let fields: [String]
        switch route.target {
        case .command(let type):
            guard let message = fleet.message(type), message.kind == .command else {
                let commands = system.contexts.flatMap { $0.commands.map(\.type) }
                let kind = fleet.message(type).map { "an \($0.kind.rawValue), not a command" } ?? "not a declared command"
                report(route.targetLocation, "route `\(route.method.rawValue) \(route.path)` targets `\(type)`, \(kind)",
                       fix: Suggestion.didYouMean(type, in: commands) ?? "declare it under `commands:` of its context")
                return
            }
            fields = message.fields.map(\.name)
        case .rpc(let type):
            guard let rpc = fleet.rpc(type) else {
                report(route.targetLocation, "route `\(route.method.rawValue) \(route.path)` targets rpc `\(type)`, which no context serves",
                       fix: Suggestion.didYouMean(type, in: system.contexts.flatMap { $0.rpcs.map(\.type) }) ?? "declare it under `rpc:`")
                return
            }
            fields = rpc.request.fields.map(\.name)
        case .view(let qualified):
            let views = fleet.contexts.flatMap(\.views)
            guard let view = views.first(where: { $0.qualifiedName == qualified }) else {
                report(route.targetLocation, "route `\(route.method.rawValue) \(route.path)` reads view `\(qualified)`, which no context declares",
                       fix: Suggestion.didYouMean(qualified, in: views.map(\.qualifiedName)) ?? "declare it under `views:` as `<context>.<viewName>`")
                return
            }
            if let owner = system.contexts.first(where: { $0.name == view.context }), owner.store.isProcessLocal {
                report(route.targetLocation, "route `\(route.method.rawValue) \(route.path)` reads view `\(qualified)`, but `\(owner.name)` keeps its state in \(owner.store.rawValue), which the ingress cannot read",
                       fix: "serve the view from a context stored in PostgreSQL (a projection of `\(owner.name)`'s events)")
            }
            fields = view.fields.map(\.name)
        }
        switch (route.method, route.target) {
        case (.GET, .command):
            report(route.location, "route `GET \(route.path)` sends a command", fix: "use POST, PUT, PATCH or DELETE for `\(name)`")
        case (.POST, .view), (.PUT, .view), (.PATCH, .view), (.DELETE, .view):
            report(route.location, "route `\(route.method.rawValue) \(route.path)` reads a view", fix: "use GET for a view")
        default: break
        }
        for parameter in route.pathParameters where !fields.contains(parameter) {
            report(route.pathLocation, "path parameter `{\(parameter)}` of `\(route.method.rawValue) \(route.path)` is not a field of `\(name)`",
                   fix: Suggestion.didYouMean(parameter, in: fields) ?? "add the field `\(parameter)` or rename the parameter")
        }
    }

    // MARK: Spelling fixes

    func kebab(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if ("A"..."Z").contains(scalar) { if !result.isEmpty { result += "-" }; result += String(scalar).lowercased() }
            else if scalar == "_" || scalar == " " { result += "-" }
            else { result.unicodeScalars.append(scalar) }
        }
        return result
    }

    func upperCamel(_ text: String) -> String {
        text.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == " " })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

extension Fleet {
    public func exchange(_ name: String) -> Exchange? { exchanges.first { $0.name == name } }
    public func queue(_ name: String) -> Queue? { queues.first { $0.name == name } }
}

import Foundation
