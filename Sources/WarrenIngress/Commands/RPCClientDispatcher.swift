import Foundation
import Warren

/// The real dispatcher: `send` is the client's own; `call` hands on the reply's type and body.
extension RPCClient: Dispatcher {
    public func call(rpc type: String, body: Data, correlationId: String?, messageId: String?,
                     deadline: Duration?) async throws(RPCError) -> RPCAnswer {
        let reply = try await call(type: type, body: body, correlationId: correlationId, messageId: messageId, deadline: deadline)
        return RPCAnswer(type: reply.envelope.type, body: reply.body)
    }
}
