import Hummingbird
import NIOCore

/// Every answer the ingress gives that is not a success: one JSON shape for all of them,
/// `{"error": "...", "field": "...", "status": 400}`, `field` present when one field (of the
/// body, the path, the query or a header) is at fault.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String
    var field: String?
    var headers: HTTPFields = [:]
    /// Further members after `status` (e.g. every violation, or a refusal's kind).
    var details: [(String, JSONOutput)] = []

    init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil,
         headers: HTTPFields = [:], details: [(String, JSONOutput)] = []) {
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers
        self.details = details
    }

    static func badRequest(_ message: String, field: String? = nil) -> APIError {
        APIError(.badRequest, message, field: field)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(.notFound, message)
    }

    /// 503 with `Retry-After`: a dependency (broker, RPC target, database) cannot answer now.
    static func unavailable(_ message: String, retryAfter seconds: Int) -> APIError {
        APIError(.serviceUnavailable, message, headers: [.retryAfter: String(seconds)])
    }

    var body: JSONOutput {
        var pairs: [(String, JSONOutput)] = [("error", .string(message))]
        if let field { pairs.append(("field", .string(field))) }
        pairs.append(("status", .int(Int64(status.code))))
        return .object(pairs + details)
    }

    var response: Response {
        .json(status, body, headers: headers)
    }
}

extension Response {
    static func json(_ status: HTTPResponse.Status, _ body: JSONOutput, contentType: String = "application/json",
                     headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body.text)))
    }

    static func empty(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        Response(status: status, headers: headers, body: ResponseBody())
    }
}
