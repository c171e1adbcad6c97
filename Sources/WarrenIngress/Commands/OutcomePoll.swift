import Foundation
import Hummingbird
import Logging
import Postgres
import Warren

/// `GET /outcomes/{context}/{messageId}`: the outcome of a command answered 202, read from the
/// context's inbox (`<schema>.warren_inbox.reply`, stored with the command's effects). 202 again
/// while the command is not handled yet.
struct OutcomePoll: Sendable {
    static let template = "/outcomes/{context}/{messageId}"

    static func path(context: String, messageId: String) -> String {
        "/outcomes/\(PathTemplate.encode(context))/\(PathTemplate.encode(messageId))"
    }

    /// Contexts whose commands the gateway sends; nothing else can be polled.
    let contexts: Set<String>
    /// The links of each command type's route, for the answer's `Location` and `_links`.
    let links: [String: (links: ResourceLinks, path: String)]
    let database: ReadConnections
    let logger: Logger

    func respond(to request: Request, parameters: [String: String]) async throws(APIError) -> Response {
        let context = parameters["context"] ?? "", messageId = parameters["messageId"] ?? ""
        guard contexts.contains(context) else {
            throw APIError.notFound("no context `\(context)` takes commands through this gateway")
        }
        guard UUID(uuidString: messageId) != nil else {
            throw APIError.notFound("no command `\(messageId)`: message ids are UUIDs")
        }
        let schema = SQLName.schema(of: context)
        let rows: PostgresRows
        do {
            rows = try await database.withConnection { db in
                try await db.query("SELECT type, reply, reply_type FROM \(schema).warren_inbox WHERE message_id = $1",
                                   [messageId], prepared: true)
            }
        } catch {
            if let error = error as? PostgresError, error.sqlState == "42P01" {
                return notYet(request, context: context, messageId: messageId)  // the context has not migrated: nothing handled
            }
            throw ReadFailure.answer(error, reading: "\(context)'s inbox", logger: logger)
        }
        guard let row = rows.first else { return notYet(request, context: context, messageId: messageId) }
        let type = (try? row.decode(String.self, at: 0)) ?? ""
        let reply = try? row.decode(String?.self, at: 1)
        let replyType = try? row.decode(String?.self, at: 2)
        let route = links[type] ?? (ResourceLinks(itemTemplate: nil, relation: nil, requestPathIsResource: false), request.uri.path)
        switch (replyType, reply) {
        case (Reply.errorType, let reply?):
            throw APIError(.unprocessableContent, "`\(type)` could not be handled: \(Reply.errorReason(in: Data(reply.utf8)))")
        case (_, let reply?):
            guard let outcome = try? Outcome(json: Data(reply.utf8)) else {
                throw APIError(.badGateway, "`\(type)` stored an outcome the gateway cannot read")
            }
            return OutcomeAnswer.response(outcome, links: route.links, requestPath: route.path, origin: request.origin,
                                          headers: [.messageId: messageId])
        case (_, nil):
            return .empty(.noContent, headers: [.messageId: messageId])  // handled, no outcome stored: done
        }
    }

    private func notYet(_ request: Request, context: String, messageId: String) -> Response {
        OutcomeAnswer.accepted(messageId: messageId, pollPath: Self.path(context: context, messageId: messageId),
                               origin: request.origin, headers: [.messageId: messageId])
    }
}

/// How a failed read reaches the client: a missing table or a refused privilege is the
/// deployment's fault and the database being away is temporary (503 + Retry-After, logged);
/// bad input the database rejects is a 400.
enum ReadFailure {
    static func answer(_ error: any Error, reading what: String, logger: Logger) -> APIError {
        guard let error = error as? PostgresError else {
            logger.error("read failed", metadata: ["what": "\(what)", "error": "\(error)"])
            return APIError(.internalServerError, "reading \(what) failed")
        }
        switch (error.code, error.sqlState) {
        case (.connectionFailed, _), (.connectionLost, _), (.connectionClosed, _):
            logger.warning("database unavailable", metadata: ["what": "\(what)", "error": "\(error)"])
            return .unavailable("the database is unavailable", retryAfter: 5)
        case (_, "42P01"?):
            logger.warning("view table missing", metadata: ["what": "\(what)", "error": "\(error)"])
            return .unavailable("\(what) is not in the database yet: its context has not created it", retryAfter: 5)
        case (_, "42501"?):
            logger.error("read refused: grant the ingress's role SELECT", metadata: ["what": "\(what)", "error": "\(error)"])
            return .unavailable("the gateway may not read \(what)", retryAfter: 5)
        case (_, "57014"?):
            return .unavailable("reading \(what) took too long", retryAfter: 5)
        case (_, let state?) where state.hasPrefix("22"):
            return .badRequest("the database refused a value: \(error.message)")
        default:
            logger.error("read failed", metadata: ["what": "\(what)", "error": "\(error)"])
            return APIError(.internalServerError, "reading \(what) failed")
        }
    }
}
