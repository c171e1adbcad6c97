import Foundation
import Hummingbird
import Logging
import Postgres
import Topology

/// A GET route on a view: one resource by its key (`/payments/{id}`), or a page of the view
/// (`/payments`, or filtered by other path parameters), in Spring Data REST's HAL shape.
///
/// PostgreSQL renders each row as JSON (`json_build_object`, the declared field order), so a
/// `numeric` keeps every digit and a timestamp comes out as RFC 3339; the ingress only splices
/// `_links` into it.
struct ViewRoute: Sendable {
    enum Mode: Sendable {
        /// The path's last parameter is the view's key.
        case item(key: String)
        /// A page; each path parameter filters on the field of its name.
        case collection
    }

    let view: View
    let mode: Mode
    /// Where one row is read (for each row's `self`), when the gateway has such a route.
    let itemTemplate: PathTemplate?
    let database: ReadConnections
    let maxPageSize: Int
    let logger: Logger

    var relation: String { SQLName.singular(view.name) }

    func respond(to request: Request, parameters: [String: String]) async throws(APIError) -> Response {
        switch mode {
        case .item(let key): try await item(request, key: key, value: parameters[key] ?? "")
        case .collection: try await page(request, parameters: parameters)
        }
    }

    // MARK: One resource

    private func item(_ request: Request, key: String, value: String) async throws(APIError) -> Response {
        guard let field = view.fields.first(where: { $0.name == key }), let bound = Self.bind(value, field) else {
            throw notFound(key, value)
        }
        let sql = "SELECT \(document) FROM \(SQLName.table(of: view)) WHERE \(SQLName.column(field)) = $1 LIMIT 1"
        let rows = try await read { db in try await db.query(sql, [bound], prepared: true) }
        guard let row = rows.first, let doc = try? row.decode(String.self, at: 0) else { throw notFound(key, value) }
        let href = request.origin + request.uri.path
        return .json(.ok, .raw(Self.splice(doc, links: links(href))), contentType: "application/hal+json")
    }

    private func notFound(_ key: String, _ value: String) -> APIError {
        APIError.notFound("no \(relation) with \(key) \(CommandBody.quoted(value))")
    }

    // MARK: A page

    private func page(_ request: Request, parameters: [String: String]) async throws(APIError) -> Response {
        let pageRequest = try PageRequest(query: request.queryItems, fields: view.fields, maxSize: maxPageSize)
        var filters: [String] = []
        var values: [String] = []
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            guard let field = view.fields.first(where: { $0.name == name }), let bound = Self.bind(value, field) else {
                return render(request, pageRequest, total: 0, rows: [])  // a value the column cannot hold matches nothing
            }
            values.append(bound)
            filters.append("\(SQLName.column(field)) = $\(values.count)")
        }
        let table = SQLName.table(of: view)
        let condition = filters.isEmpty ? "" : " WHERE " + filters.joined(separator: " AND ")
        var orders = pageRequest.sort.compactMap { order in
            view.fields.first { $0.name == order.field }.map { "\(SQLName.column($0)) \(order.descending ? "DESC" : "ASC")" }
        }
        let keyField = view.key.flatMap { key in view.fields.first { $0.name == key } }
        if let keyField, !pageRequest.sort.contains(where: { $0.field == keyField.name }) {
            orders.append("\(SQLName.column(keyField)) ASC")  // a total order, so pages never overlap
        }
        let orderBy = orders.isEmpty ? "" : " ORDER BY " + orders.joined(separator: ", ")
        let keyText = keyField.map { "\(SQLName.column($0))::text" } ?? "NULL::text"
        let windowOrder = orders.isEmpty ? "" : "ORDER BY " + orders.joined(separator: ", ")
        let sql = """
            SELECT total.n, page.k, page.doc FROM (SELECT count(*) AS n FROM \(table)\(condition)) AS total
            LEFT JOIN LATERAL (
                SELECT \(keyText) AS k, \(document) AS doc, row_number() OVER (\(windowOrder)) AS position
                FROM \(table)\(condition)\(orderBy) LIMIT $\(values.count + 1) OFFSET $\(values.count + 2)
            ) AS page ON true ORDER BY page.position
            """
        // Not prepared: sort orders make many distinct texts, and a connection keeps every one it prepared.
        let rows = try await read { db in try await db.query(sql, values + [String(pageRequest.size), String(pageRequest.offset)]) }
        var total = 0
        var items: [(key: String?, doc: String)] = []
        for row in rows {
            total = (try? row.decode(Int.self, at: 0)) ?? 0
            if let doc = try? row.decode(String?.self, at: 2) {
                let key: String? = (try? row.decode(String?.self, at: 1)) ?? nil
                items.append((key: key, doc: doc))
            }
        }
        return render(request, pageRequest, total: total, rows: items)
    }

    private func render(_ request: Request, _ page: PageRequest, total: Int, rows: [(key: String?, doc: String)]) -> Response {
        let origin = request.origin
        let items: [JSONOutput] = rows.map { row in
            guard let key = row.key, let template = itemTemplate, let parameter = template.parameters.last else { return .raw(row.doc) }
            return .raw(Self.splice(row.doc, links: links(origin + template.expand([parameter: key]))))
        }
        let totalPages = (total + page.size - 1) / page.size
        let base = origin + request.uri.path + "?"
        var pageLinks: [(String, JSONOutput)] = []
        func link(_ name: String, _ number: Int) { pageLinks.append((name, .object([("href", .string(base + page.query(page: number)))]))) }
        if totalPages > 1 { link("first", 0) }
        if page.page > 0, totalPages > 0 { link("prev", min(page.page - 1, totalPages - 1)) }
        link("self", page.page)
        if page.page + 1 < totalPages { link("next", page.page + 1) }
        if totalPages > 1 { link("last", totalPages - 1) }
        pageLinks.append(("profile", .object([("href", .string(origin + "/profile/" + view.name))])))
        let body: JSONOutput = .object([
            ("_embedded", .object([(view.name, .array(items))])),
            ("_links", .object(pageLinks)),
            ("page", .object([("size", .int(Int64(page.size))), ("totalElements", .int(Int64(total))),
                              ("totalPages", .int(Int64(totalPages))), ("number", .int(Int64(page.page)))])),
        ])
        return .json(.ok, body, contentType: "application/hal+json")
    }

    // MARK: SQL

    /// `json_build_object('id', "id", 'requestDate', "request_date", ...)::text`
    private var document: String {
        "json_build_object(" + view.fields.map { "\(SQLName.literal($0.name)), \(SQLName.column($0))" }.joined(separator: ", ") + ")::text"
    }

    private func read(_ body: (PostgresConnection) async throws -> PostgresRows) async throws(APIError) -> PostgresRows {
        do {
            return try await database.withConnection(body)
        } catch {
            throw ReadFailure.answer(error, reading: "view `\(view.qualifiedName)`", logger: logger)
        }
    }

    private func links(_ href: String) -> String {
        JSONOutput.object([
            ("self", .object([("href", .string(href))])),
            (relation, .object([("href", .string(href))])),
        ]).text
    }

    /// Appends `"_links": {...}` to a JSON object's text.
    static func splice(_ doc: String, links: String) -> String {
        guard let close = doc.lastIndex(of: "}") else { return doc }
        let head = doc[..<close].trimmingCharacters(in: .whitespaces)
        return head + (head.hasSuffix("{") ? "" : ", ") + "\"_links\" : " + links + "}"
    }

    /// A path value as the text of a parameter of the field's column; nil when no row can have
    /// it (not a number for an int, a NUL in a string): that resource does not exist.
    static func bind(_ value: String, _ field: Field) -> String? {
        var type = field.type
        if case .optional(let wrapped) = type { type = wrapped }
        switch type {
        case .int: return Int64(value).map(String.init)
        case .decimal: return Double(value) != nil && value.allSatisfy({ "0123456789.-+eE".contains($0) }) ? value : nil
        case .bool: return Bool(value).map { $0 ? "true" : "false" }
        case .uuid: return UUID(uuidString: value) != nil ? value : nil
        case .dateTime: return ISO8601DateFormatter().date(from: value) != nil ? value : nil
        default: return value.contains("\0") ? nil : value
        }
    }
}
