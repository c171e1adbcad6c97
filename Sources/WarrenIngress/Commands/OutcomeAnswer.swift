import Foundation
import Hummingbird
import Warren

/// Where the resources a command route creates or changes can be read, so its answers can
/// carry Spring Data REST's links: `Location` and `_links.self` point at the view routes.
struct ResourceLinks: Sendable {
    /// The view route of one created resource (`/cleaningReservations/{id}`); nil when the
    /// gateway has none, and a created resource's location is then `<request path>/<id>`.
    var itemTemplate: PathTemplate?
    /// The `_embedded` item relation: the singular of the view's name.
    var relation: String?
    /// True when a GET view route has the command route's own template (PATCH and GET
    /// `/x/{id}`): a changed resource's self link is then the request path.
    var requestPathIsResource: Bool
}

/// Turns a command's outcome into the HTTP answer of the contract: created 201 + `Location`,
/// done 200 with the resource or 204, refused 4xx (503 + `Retry-After` when unavailable).
enum OutcomeAnswer {
    static let retryAfterSeconds = 5

    static func response(_ outcome: Outcome, links: ResourceLinks, requestPath: String, origin: String,
                         headers: HTTPFields) -> Response {
        var headers = headers
        switch outcome.result {
        case .created:
            let id = outcome.id ?? ""
            let location: String
            if let template = links.itemTemplate, let parameter = template.parameters.last, !id.isEmpty {
                location = origin + template.expand([parameter: id])
            } else {
                location = origin + requestPath + (id.isEmpty ? "" : "/" + PathTemplate.encode(id))
            }
            headers[.location] = location
            var body = resourceBody(outcome.resource, id: id)
            body = withLinks(body, href: location, relation: links.relation)
            return .json(.created, body, contentType: "application/hal+json", headers: headers)
        case .done:
            guard let resource = outcome.resource else { return .empty(.noContent, headers: headers) }
            var body = JSONOutput(resource)
            if links.requestPathIsResource { body = withLinks(body, href: origin + requestPath, relation: links.relation) }
            return .json(.ok, body, contentType: "application/hal+json", headers: headers)
        case .refused:
            let refusal = outcome.refusal ?? .init(kind: .invalid, reason: "refused without a reason")
            var error = APIError(status(of: refusal.kind), refusal.reason, headers: headers,
                                 details: [("kind", .string(refusal.kind.rawValue))])
            if refusal.kind == .unavailable { error.headers[.retryAfter] = String(retryAfterSeconds) }
            return error.response
        }
    }

    static func status(of kind: Outcome.Refusal.Kind) -> HTTPResponse.Status {
        switch kind {
        case .invalid: .badRequest
        case .declined: HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
        case .notFound: .notFound
        case .conflict: .conflict
        case .unavailable: .serviceUnavailable
        }
    }

    /// 202: the wait ended before the outcome; `Location` is where to poll for it.
    static func accepted(messageId: String, pollPath: String, origin: String, headers: HTTPFields) -> Response {
        var headers = headers
        headers[.location] = origin + pollPath
        headers[.retryAfter] = "1"
        return .json(.accepted, .object([
            ("messageId", .string(messageId)),
            ("status", 202),
            ("_links", .object([("outcome", .object([("href", .string(origin + pollPath))]))])),
        ]), headers: headers)
    }

    /// The dispatcher's failures: the target is unavailable (or timed out: its outcome is
    /// unknown and a compensation went out, so a retry is safe) 503; it rejected the request 422.
    static func failure(_ error: RPCError) -> APIError {
        switch error {
        case .unavailable(let target, let reason):
            .unavailable("`\(target)` is unavailable: \(reason)", retryAfter: retryAfterSeconds)
        case .timedOut(let target, let after):
            .unavailable("`\(target)` did not answer within \(after); the request was compensated and may be retried",
                         retryAfter: retryAfterSeconds)
        case .rejected(let target, let reason):
            APIError(.unprocessableContent, "`\(target)` could not handle the request: \(reason)")
        case .undecodableReply(let target, let reason):
            APIError(.badGateway, "`\(target)` answered with a reply the gateway cannot read: \(reason)")
        }
    }

    private static func resourceBody(_ resource: JSONValue?, id: String) -> JSONOutput {
        if let resource, case .object = resource { return JSONOutput(resource) }
        return .object([("id", .string(id))])
    }

    /// Appends `_links` with `self` and the item relation, Spring Data REST's item shape.
    static func withLinks(_ body: JSONOutput, href: String, relation: String?) -> JSONOutput {
        guard case .object(var pairs) = body else { return body }
        var links: [(String, JSONOutput)] = [("self", .object([("href", .string(href))]))]
        if let relation { links.append((relation, .object([("href", .string(href))]))) }
        pairs.removeAll { $0.0 == "_links" }
        pairs.append(("_links", .object(links)))
        return .object(pairs)
    }
}
