import Foundation
import Topology

/// What `Calls` needs from an RPC client: the real `RPCClient`, or a stub in `WarrenTesting`.
package protocol RPCTransport: Sendable {
    var fleet: Fleet { get }
    /// The calling context: the `app_id` of its requests.
    var caller: String { get }
    /// Sends the request with the given message id under the deadline; on a timeout the
    /// compensation is left to the caller (`Calls` writes it to the outbox).
    func request(type: String, body: Data, cause: Envelope, messageId: String, deadline: Duration?) async throws(RPCError) -> Reply
}

extension RPCClient: RPCTransport {
    package func request(type: String, body: Data, cause: Envelope, messageId: String, deadline: Duration?) async throws(RPCError) -> Reply {
        try await call(type: type, body: body, cause: cause, correlationId: nil, messageId: messageId, deadline: deadline,
                       compensation: .handBack)
    }
}
