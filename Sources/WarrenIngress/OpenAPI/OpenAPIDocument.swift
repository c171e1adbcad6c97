import Topology

/// The OpenAPI 3.1 document of a gateway, served at `/openapi.json`: one operation per route
/// of gateway.yaml with the declared fields as schemas, plus the ingress's own paths
/// (outcome polling, profiles, health). Every answer the ingress can give is listed, so a
/// client generated from it (or schemathesis) knows them all.
struct OpenAPIDocument {
    let system: String
    let fleet: Fleet
    let routes: [Route]

    var json: JSONOutput {
        var paths: [(String, [(String, JSONOutput)])] = []
        func add(_ path: String, _ method: String, _ operation: JSONOutput) {
            if let index = paths.firstIndex(where: { $0.0 == path }) {
                paths[index].1.append((method, operation))
            } else {
                paths.append((path, [(method, operation)]))
            }
        }
        for route in routes {
            if let operation = operation(route) { add(route.path, route.method.rawValue.lowercased(), operation) }
        }
        if !commandContexts.isEmpty { add(OutcomePoll.template, "get", outcomeOperation) }
        add("/profile", "get", simple("profileIndex", "The ALPS profiles of the views", "application/hal+json"))
        if !views.isEmpty {
            add("/profile/{collection}", "get", .object([
                ("operationId", "profile"),
                ("summary", "The ALPS profile of one view"),
                ("parameters", .array([pathParameter("collection", .object([("type", "string"), ("enum", .array(views.map { .string($0.name) }))]))])),
                ("responses", .object([
                    ("200", content("The ALPS document", "application/alps+json", .object([("type", "object")]))),
                    ("404", errorResponse("No such view")),
                ])),
            ]))
        }
        add("/livez", "get", health("livez", "Alive: the process answers"))
        add("/readyz", "get", health("readyz", "Ready: the database answers and the ingress is not shutting down"))
        add("/metrics", "get", simple("metrics", "Prometheus metrics", "text/plain"))
        add("/openapi.json", "get", simple("openapi", "This document", "application/json"))

        return .object([
            ("openapi", "3.1.0"),
            ("info", .object([
                ("title", .string("\(system) gateway")),
                ("version", "1.0.0"),
                ("description", .string("HTTP routes of the `\(system)` system, generated from topology/\(system)/gateway.yaml.")),
            ])),
            ("paths", .object(paths.map { ($0.0, .object($0.1)) })),
            ("components", .object([("schemas", .object(schemas))])),
        ])
    }

    // MARK: Operations

    private func operation(_ route: Route) -> JSONOutput? {
        let id = operationId(route)
        switch route.target {
        case .command(let type):
            guard let message = fleet.message(type) else { return nil }
            return .object([
                ("operationId", .string(id)),
                ("summary", .string(message.description ?? "Sends the command \(type) and waits for its outcome")),
                ("tags", .array([.string(message.context)])),
                ("parameters", .array(pathParameters(route, fields: message.fields) + conversationHeaders)),
                ("requestBody", requestBody(message.fields, excluding: route.pathParameters)),
                ("responses", .object([
                    ("200", content("Done: the changed resource", "application/hal+json", .object([("type", "object")]), headers: correlationHeader)),
                    ("201", content("Created: the new resource, at Location", "application/hal+json", .object([("type", "object")]),
                                    headers: correlationHeader + [("Location", locationHeader)])),
                    ("202", content("Accepted: not handled within the wait; poll Location for the outcome", "application/json",
                                    ref("Accepted"), headers: correlationHeader + [("Location", locationHeader)])),
                    ("204", .object([("description", "Done, nothing to show")])),
                ] + errors([400, 402, 404, 409, 413, 415, 422, 502, 503]))),
            ])
        case .rpc(let type):
            guard let rpc = fleet.rpc(type) else { return nil }
            return .object([
                ("operationId", .string(id)),
                ("summary", .string(rpc.request.description ?? "Calls \(type) and answers its reply")),
                ("tags", .array([.string(rpc.context)])),
                ("parameters", .array(pathParameters(route, fields: rpc.request.fields) + conversationHeaders)),
                ("requestBody", requestBody(rpc.request.fields, excluding: route.pathParameters)),
                ("responses", .object([
                    ("200", content("The reply", "application/json", objectSchema(rpc.reply.fields, nullableAlways: false),
                                    headers: correlationHeader)),
                ] + errors([400, 413, 415, 422, 502, 503]))),
            ])
        case .view(let name):
            guard let view = view(name) else { return nil }
            let isItem = view.key != nil && route.pathParameters.last == view.key
            var parameters = pathParameters(route, fields: view.fields)
            if !isItem {
                parameters += [
                    queryParameter("page", "Page number, from 0", .object([("type", "integer"), ("minimum", 0), ("maximum", .int(Int64(PageRequest.maxPage)))])),
                    queryParameter("size", "Page size", .object([("type", "integer"), ("minimum", 1), ("maximum", 1000)])),
                    queryParameter("sort", "`field`, `field,asc` or `field,desc`; repeatable", .object([
                        ("type", "array"),
                        ("items", .object([("type", "string"), ("pattern", .string(sortPattern(view)))])),
                    ])),
                ]
            }
            return .object([
                ("operationId", .string(id)),
                ("summary", .string(isItem ? "One \(SQLName.singular(view.name)) by its \(view.key ?? "key")" : "A page of \(view.name)")),
                ("tags", .array([.string(view.context)])),
                ("parameters", .array(parameters)),
                ("responses", .object(
                    (isItem
                        ? [("200", content("The resource", "application/hal+json", ref(itemSchemaName(view))))]
                        : [("200", content("A page of the view", "application/hal+json", pageSchema(view)))])
                    + errors(isItem ? [404, 503] : [400, 503]))),
            ])
        }
    }

    private var outcomeOperation: JSONOutput {
        .object([
            ("operationId", "outcome"),
            ("summary", "The outcome of a command answered 202"),
            ("parameters", .array([
                pathParameter("context", .object([("type", "string"), ("enum", .array(commandContexts.map { .string($0) }))])),
                pathParameter("messageId", .object([("type", "string"), ("format", "uuid")])),
            ])),
            ("responses", .object([
                ("200", content("Done: the changed resource", "application/hal+json", .object([("type", "object")]))),
                ("201", content("Created: the new resource, at Location", "application/hal+json", .object([("type", "object")]),
                                headers: [("Location", locationHeader)])),
                ("202", content("Not handled yet: ask again", "application/json", ref("Accepted"), headers: [("Location", locationHeader)])),
                ("204", .object([("description", "Done, nothing to show")])),
            ] + errors([402, 404, 409, 422, 502, 503]))),
        ])
    }

    private func health(_ id: String, _ summary: String) -> JSONOutput {
        .object([
            ("operationId", .string(id)),
            ("summary", .string(summary)),
            ("responses", .object([
                ("200", content("Yes", "application/json", .object([("type", "object")]))),
                ("503", content("No, with the reason", "application/json", .object([("type", "object")]))),
            ])),
        ])
    }

    private func simple(_ id: String, _ summary: String, _ type: String) -> JSONOutput {
        .object([("operationId", .string(id)), ("summary", .string(summary)),
                 ("responses", .object([("200", content(summary, type, .object([])))]))])
    }

    // MARK: Parts

    private func operationId(_ route: Route) -> String {
        let words = route.path.split(separator: "/").map { part in
            part.hasPrefix("{") ? "By" + part.dropFirst().dropLast().prefix(1).uppercased() + part.dropFirst(2).dropLast() : String(part)
        }
        return route.method.rawValue.lowercased() + words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    private func pathParameters(_ route: Route, fields: [Field]) -> [JSONOutput] {
        route.pathParameters.map { name in
            var type = fields.first { $0.name == name }?.type ?? .string
            if case .optional(let wrapped) = type { type = wrapped }
            return pathParameter(name, schema(type, input: true))
        }
    }

    private func pathParameter(_ name: String, _ schema: JSONOutput) -> JSONOutput {
        .object([("name", .string(name)), ("in", "path"), ("required", true), ("schema", schema)])
    }

    private func queryParameter(_ name: String, _ description: String, _ schema: JSONOutput) -> JSONOutput {
        .object([("name", .string(name)), ("in", "query"), ("required", false), ("description", .string(description)), ("schema", schema)])
    }

    private var conversationHeaders: [JSONOutput] {
        let token: JSONOutput = .object([("type", "string"), ("pattern", "^[!-~]{1,200}$")])
        return [
            .object([("name", "X-Correlation-Id"), ("in", "header"), ("required", false), ("schema", token),
                     ("description", "The conversation id; echoed back, carried by every message the request causes")]),
            .object([("name", "Idempotency-Key"), ("in", "header"), ("required", false), ("schema", token),
                     ("description", "A retry with the same key, method and path gets the first answer instead of a second command")]),
        ]
    }

    private var correlationHeader: [(String, JSONOutput)] {
        [("X-Correlation-Id", .object([("schema", .object([("type", "string")]))]))]
    }

    private var locationHeader: JSONOutput { .object([("schema", .object([("type", "string")]))]) }

    private func requestBody(_ fields: [Field], excluding parameters: [String]) -> JSONOutput {
        let bodyFields = fields.filter { !parameters.contains($0.name) }
        let required = bodyFields.contains { !$0.type.isOptional }
        return .object([
            ("required", .bool(required)),
            ("content", .object([("application/json", .object([("schema", objectSchema(bodyFields, nullableAlways: false))]))])),
        ])
    }

    private func content(_ description: String, _ type: String, _ schema: JSONOutput, headers: [(String, JSONOutput)] = []) -> JSONOutput {
        var pairs: [(String, JSONOutput)] = [
            ("description", .string(description)),
            ("content", .object([(type, .object([("schema", schema)]))])),
        ]
        if !headers.isEmpty { pairs.append(("headers", .object(headers))) }
        return .object(pairs)
    }

    private func errors(_ codes: [Int]) -> [(String, JSONOutput)] {
        codes.map { code in
            var response = content(Self.errorDescriptions[code] ?? "Error", "application/json", ref("Error"))
            if code == 503, case .object(var pairs) = response {
                pairs.append(("headers", .object([("Retry-After", .object([("schema", .object([("type", "string")]))]))])))
                response = .object(pairs)
            }
            return (String(code), response)
        }
    }

    private func errorResponse(_ description: String) -> JSONOutput { content(description, "application/json", ref("Error")) }

    static let errorDescriptions: [Int: String] = [
        400: "Bad input: malformed JSON, a wrong type, a missing field, a bad parameter (`field` names it)",
        402: "Refused: declined (e.g. a payment)",
        404: "No such resource, or refused: not found",
        409: "Refused: conflict",
        413: "The body is larger than MAX_BODY_BYTES",
        415: "The body is not JSON",
        422: "The target could not handle the request",
        502: "The target answered something the gateway cannot read",
        503: "A dependency (broker, RPC target, database) is unavailable; retry after Retry-After seconds",
    ]

    private func ref(_ name: String) -> JSONOutput { .object([("$ref", .string("#/components/schemas/\(name)"))]) }

    // MARK: Schemas

    private var schemas: [(String, JSONOutput)] {
        var result: [(String, JSONOutput)] = [
            ("Error", .object([
                ("type", "object"),
                ("required", .array(["error", "status"])),
                ("properties", .object([
                    ("error", .object([("type", "string")])),
                    ("field", .object([("type", "string")])),
                    ("status", .object([("type", "integer")])),
                    ("kind", .object([("type", "string"), ("enum", .array(["invalid", "declined", "notFound", "conflict", "unavailable"]))])),
                    ("violations", .object([("type", "array"), ("items", .object([
                        ("type", "object"),
                        ("properties", .object([("field", .object([("type", "string")])), ("error", .object([("type", "string")]))])),
                    ]))])),
                ])),
            ])),
            ("Accepted", .object([
                ("type", "object"),
                ("required", .array(["messageId", "status", "_links"])),
                ("properties", .object([
                    ("messageId", .object([("type", "string")])),
                    ("status", .object([("type", "integer")])),
                    ("_links", .object([("type", "object")])),
                ])),
            ])),
            ("Link", .object([("type", "object"), ("required", .array(["href"])), ("properties", .object([("href", .object([("type", "string")]))]))])),
        ]
        for view in views {
            var schema = objectSchema(view.fields, nullableAlways: false, input: false)
            if case .object(var pairs) = schema, let index = pairs.firstIndex(where: { $0.0 == "properties" }),
               case .object(var properties) = pairs[index].1 {
                properties.append(("_links", .object([("type", "object"), ("additionalProperties", ref("Link"))])))
                pairs[index].1 = .object(properties)
                schema = .object(pairs)
            }
            result.append((itemSchemaName(view), schema))
        }
        return result
    }

    private func pageSchema(_ view: View) -> JSONOutput {
        let integer: JSONOutput = .object([("type", "integer"), ("minimum", 0)])
        return .object([
            ("type", "object"),
            ("required", .array(["_embedded", "_links", "page"])),
            ("properties", .object([
                ("_embedded", .object([
                    ("type", "object"),
                    ("required", .array([.string(view.name)])),
                    ("properties", .object([(view.name, .object([("type", "array"), ("items", ref(itemSchemaName(view)))]))])),
                ])),
                ("_links", .object([("type", "object"), ("required", .array(["self", "profile"])), ("additionalProperties", ref("Link"))])),
                ("page", .object([
                    ("type", "object"),
                    ("required", .array(["size", "totalElements", "totalPages", "number"])),
                    ("properties", .object([("size", integer), ("totalElements", integer), ("totalPages", integer), ("number", integer)])),
                ])),
            ])),
        ])
    }

    private func itemSchemaName(_ view: View) -> String { "\(view.context).\(view.name)" }

    private func objectSchema(_ fields: [Field], nullableAlways: Bool, input: Bool = true) -> JSONOutput {
        var pairs: [(String, JSONOutput)] = [("type", "object")]
        let required = fields.filter { !$0.type.isOptional }.map { JSONOutput.string($0.name) }
        if !required.isEmpty { pairs.append(("required", .array(required))) }
        pairs.append(("properties", .object(fields.map { field in
            var property = schema(field.type, input: input)
            if let description = field.description, case .object(var members) = property {
                members.append(("description", .string(description)))
                property = .object(members)
            }
            return (field.name, property)
        })))
        return .object(pairs)
    }

    /// A field type's JSON Schema. In requests a decimal may be a number or a numeric string
    /// (PayloadValidator takes both); in views it is the number PostgreSQL renders.
    func schema(_ type: FieldType, input: Bool) -> JSONOutput {
        switch type {
        case .string: return .object([("type", "string")])
        case .int:
            return .object([("type", "integer"), ("format", "int64"), ("minimum", .int(Int64.min)), ("maximum", .int(Int64.max))])
        case .decimal:
            return input
                ? .object([("type", .array(["number", "string"])), ("pattern", "^-?[0-9]{1,30}(\\.[0-9]{1,30})?$")])
                : .object([("type", "number")])
        case .bool: return .object([("type", "boolean")])
        case .dateTime: return .object([("type", "string"), ("format", "date-time")])
        case .uuid: return .object([("type", "string"), ("format", "uuid")])
        case .enumeration(let values):
            return input ? .object([("type", "string"), ("enum", .array(values.map { .string($0) }))]) : .object([("type", "string")])
        case .optional(let wrapped): return .object([("anyOf", .array([schema(wrapped, input: input), .object([("type", "null")])]))])
        case .list(let element): return .object([("type", "array"), ("items", schema(element, input: input))])
        }
    }

    private func sortPattern(_ view: View) -> String {
        let names = view.fields.map(\.name).joined(separator: "|")
        return "^(\(names))(,(\(names)))*(,(asc|desc|ASC|DESC))?$"
    }

    // MARK: Lookups

    private var views: [View] {
        var seen = Set<String>()
        return routes.compactMap { route -> View? in
            guard case .view(let name) = route.target, seen.insert(name).inserted else { return nil }
            return view(name)
        }
    }

    private func view(_ qualified: String) -> View? {
        guard let (context, name) = Naming.split(qualified) else { return nil }
        return fleet.context(named: context)?.view(name)
    }

    private var commandContexts: [String] {
        Array(Set(routes.compactMap { route -> String? in
            guard case .command(let type) = route.target else { return nil }
            return Naming.split(type)?.0
        })).sorted()
    }
}
