import Topology

/// `?page=&size=&sort=` the way Spring Data REST reads them: `page` counts from 0, `size`
/// defaults to 20, `sort=field` or `sort=field,asc|desc` (or `sort=a,b,desc`), repeatable.
/// Sort fields must be declared fields of the view; anything else is a 400 naming the parameter.
struct PageRequest: Sendable, Equatable {
    struct Order: Sendable, Equatable {
        var field: String
        var descending: Bool
    }

    static let defaultSize = 20
    static let maxPage = 10_000_000

    var page = 0
    var size = defaultSize
    var sort: [Order] = []

    init(page: Int = 0, size: Int = defaultSize, sort: [Order] = []) {
        self.page = page
        self.size = size
        self.sort = sort
    }

    init(query: [(name: String, value: String)], fields: [Field], maxSize: Int) throws(APIError) {
        for (name, value) in query {
            switch name {
            case "page":
                guard let number = Int(value), (0...Self.maxPage).contains(number) else {
                    throw APIError.badRequest("`page` must be an integer from 0 to \(Self.maxPage), got \(CommandBody.quoted(value))", field: "page")
                }
                page = number
            case "size":
                guard let number = Int(value), (1...maxSize).contains(number) else {
                    throw APIError.badRequest("`size` must be an integer from 1 to \(maxSize), got \(CommandBody.quoted(value))", field: "size")
                }
                size = number
            case "sort":
                var names = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                var descending = false
                if let last = names.last?.lowercased(), last == "asc" || last == "desc" {
                    descending = last == "desc"
                    names.removeLast()
                }
                for name in names {
                    guard fields.contains(where: { $0.name == name }) else {
                        throw APIError.badRequest(
                            "cannot sort by `\(name)`: sortable fields are \(fields.map(\.name).joined(separator: ", ")), each optionally followed by ,asc or ,desc",
                            field: "sort")
                    }
                    sort.append(Order(field: name, descending: descending))
                }
            default:
                continue
            }
        }
    }

    var offset: Int { page * size }

    /// The query string of this page, for links.
    func query(page: Int) -> String {
        var text = "page=\(page)&size=\(size)"
        for order in sort { text += "&sort=\(PathTemplate.encode(order.field)),\(order.descending ? "desc" : "asc")" }
        return text
    }
}
