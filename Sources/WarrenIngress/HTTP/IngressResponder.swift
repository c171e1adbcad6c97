import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// What a matched route leads to.
enum Target: Sendable {
    case command(CommandRoute)
    case rpc(RPCRoute)
    case view(ViewRoute)
    case outcome(OutcomePoll)
    case profileIndex
    case profile
    case livez
    case readyz
    case metrics
    case openAPI
}

/// The ingress's one responder: matches the route, runs it, turns every failure into the JSON
/// error shape (404, 405 + `Allow`, 400, 413, 415, 503 ...), and counts and times the answer.
/// `OPTIONS` answers 204 with `Allow`; `HEAD` runs the `GET` route without the body.
struct IngressResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let routes: RouteTable<Target>
    let openAPI: ByteBuffer
    let profile: Profile
    let readiness: Readiness
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let method = request.method.rawValue
        var route = "unmatched"
        var response: Response
        switch routes.match(method: method, path: request.uri.path) {
        case .found(let entry, let parameters):
            route = entry.template.description
            response = await answer(entry.target, request, parameters)
        case .methodNotAllowed(let allow):
            let headers: HTTPFields = [.allow: allow.joined(separator: ", ")]
            response = method == "OPTIONS"
                ? .empty(.noContent, headers: headers)
                : APIError(.methodNotAllowed, "\(method) is not allowed on \(request.uri.path); allowed: \(allow.joined(separator: ", "))",
                           headers: headers).response
        case .notFound:
            response = APIError.notFound("no route for \(method) \(request.uri.path)").response
        }
        if method == "HEAD" { response.body = ResponseBody() }
        IngressMetrics.answered(method: method, route: route, status: response.status.code, duration: ContinuousClock.now - started)
        return response
    }

    private func answer(_ target: Target, _ request: Request, _ parameters: [String: String]) async -> Response {
        do throws(APIError) {
            switch target {
            case .command(let command): return try await command.respond(to: request, parameters: parameters)
            case .rpc(let rpc): return try await rpc.respond(to: request, parameters: parameters)
            case .view(let view): return try await view.respond(to: request, parameters: parameters)
            case .outcome(let poll): return try await poll.respond(to: request, parameters: parameters)
            case .profileIndex: return profile.index(request)
            case .profile: return try profile.view(request, collection: parameters["collection"] ?? "")
            case .livez: return .json(.ok, .object([("alive", true)]))
            case .readyz:
                return readiness.isReady
                    ? .json(.ok, .object([("ready", true)]))
                    : .json(.serviceUnavailable, .object([("ready", false), ("reason", .string(readiness.reason))]))
            case .metrics:
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
            case .openAPI:
                return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: openAPI))
            }
        } catch {
            if error.status.code >= 500, error.status != .serviceUnavailable {
                logger.error("request failed", metadata: ["http.method": "\(request.method)", "http.path": "\(request.uri.path)",
                                                          "error": "\(error.message)"])
            }
            return error.response
        }
    }
}
