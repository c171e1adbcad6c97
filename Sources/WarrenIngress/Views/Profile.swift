import Hummingbird
import Topology

/// `/profile` and `/profile/{collection}`: the ALPS descriptions Spring Data REST links every
/// collection to (`_links.profile`), listing each view's fields.
struct Profile: Sendable {
    let views: [View]

    func index(_ request: Request) -> Response {
        let origin = request.origin
        var links: [(String, JSONOutput)] = [("self", .object([("href", .string(origin + "/profile"))]))]
        for view in views { links.append((view.name, .object([("href", .string(origin + "/profile/" + view.name))]))) }
        return .json(.ok, .object([("_links", .object(links))]), contentType: "application/hal+json")
    }

    func view(_ request: Request, collection: String) throws(APIError) -> Response {
        guard let view = views.first(where: { $0.name == collection }) else {
            throw APIError.notFound("no view `\(collection)` in this gateway")
        }
        let singular = SQLName.singular(view.name)
        let descriptors: [JSONOutput] = view.fields.map { field in
            .object([("name", .string(field.name)), ("type", "SEMANTIC"), ("doc", .object([("value", .string(field.type.description))]))])
        }
        return .json(.ok, .object([
            ("alps", .object([
                ("version", "1.0"),
                ("descriptor", .array([
                    .object([("id", .string("\(singular)-representation")),
                             ("href", .string(request.origin + "/profile/" + view.name)),
                             ("descriptor", .array(descriptors))]),
                    .object([("id", .string("get-\(view.name)")), ("name", .string(view.name)), ("type", "SAFE"),
                             ("rt", .string("#\(singular)-representation"))]),
                ])),
            ])),
        ]), contentType: "application/alps+json")
    }
}
