import Foundation
import Hummingbird
import Topology
import Warren

/// A route whose target is a command: the body is checked against the command's fields and
/// published with `reply_to`; the answer is the command's outcome, or 202 past the deadline.
struct CommandRoute: Sendable {
    let message: Topology.Message
    let wait: Duration
    let links: ResourceLinks
    let dispatcher: any Dispatcher
    let maxBodyBytes: Int

    func respond(to request: Request, parameters: [String: String]) async throws(APIError) -> Response {
        let conversation = try Conversation(request)
        let body = try await CommandBody.read(request, fields: message.fields, parameters: parameters, limit: maxBodyBytes)
        let messageId = MessageIdentity.messageId(idempotencyKey: conversation.idempotencyKey,
                                                  method: request.method.rawValue, path: request.uri.path)
        let correlationId = conversation.correlationId ?? messageId
        let headers: HTTPFields = [.correlationId: correlationId, .messageId: messageId]
        let outcome: Outcome?
        do throws(RPCError) {
            outcome = try await dispatcher.send(command: message.type, body: body, correlationId: correlationId,
                                                messageId: messageId, wait: wait)
        } catch {
            var failure = OutcomeAnswer.failure(error)
            failure.headers[.correlationId] = correlationId
            throw failure
        }
        guard let outcome else {
            return OutcomeAnswer.accepted(messageId: messageId, pollPath: OutcomePoll.path(context: message.context, messageId: messageId),
                                          origin: request.origin, headers: headers)
        }
        return OutcomeAnswer.response(outcome, links: links, requestPath: request.uri.path, origin: request.origin, headers: headers)
    }
}

/// A route whose target is an RPC: the body is checked against the request's fields, the call
/// waits for the reply, whose JSON body is the answer.
struct RPCRoute: Sendable {
    let endpoint: RPCEndpoint
    let deadline: Duration?
    let dispatcher: any Dispatcher
    let maxBodyBytes: Int

    func respond(to request: Request, parameters: [String: String]) async throws(APIError) -> Response {
        let conversation = try Conversation(request)
        let body = try await CommandBody.read(request, fields: endpoint.request.fields, parameters: parameters, limit: maxBodyBytes)
        let messageId = MessageIdentity.messageId(idempotencyKey: conversation.idempotencyKey,
                                                  method: request.method.rawValue, path: request.uri.path)
        let correlationId = conversation.correlationId ?? messageId
        do throws(RPCError) {
            let answer = try await dispatcher.call(rpc: endpoint.type, body: body, correlationId: correlationId,
                                                   messageId: messageId, deadline: deadline)
            return Response(status: .ok, headers: [.contentType: "application/json", .correlationId: correlationId, .messageId: messageId],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
        } catch {
            var failure = OutcomeAnswer.failure(error)
            failure.headers[.correlationId] = correlationId
            throw failure
        }
    }
}

/// The request's `X-Correlation-Id` and `Idempotency-Key`: visible ASCII, at most 200
/// characters, or 400 naming the header.
struct Conversation {
    var correlationId: String?
    var idempotencyKey: String?

    init(_ request: Request) throws(APIError) {
        correlationId = try Self.token(request, .correlationId)
        idempotencyKey = try Self.token(request, .idempotencyKey)
    }

    private static func token(_ request: Request, _ name: HTTPFields.Element.Name) throws(APIError) -> String? {
        guard let value = request.headers[name] else { return nil }
        guard (1...200).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw APIError.badRequest("the \(name.rawName) header must be 1 to 200 visible ASCII characters", field: name.rawName)
        }
        return value
    }
}
