import Foundation
import Warren

/// What command and RPC routes need of the broker: publish a command and wait for its outcome,
/// or call an RPC and wait for its reply.
///
/// `RPCClient` (module `Warren`) is the real one (RPCClientDispatcher.swift); tests of the HTTP
/// mapping use a fake. `send` has the client's own signature; `call` hands on the reply's type
/// and body only.
public protocol Dispatcher: Sendable {
    /// Publishes `type` with `reply_to` and waits up to `wait` for its outcome; nil when the
    /// wait ended first (the command stays queued and will be handled).
    func send(command type: String, body: Data, correlationId: String?, messageId: String?,
              wait: Duration) async throws(RPCError) -> Outcome?

    /// Whether commands can be sent now (the broker connection is up), for `/readyz`.
    var isConnected: Bool { get }

    /// Calls the RPC `type` and returns its reply's type and JSON body.
    func call(rpc type: String, body: Data, correlationId: String?, messageId: String?,
              deadline: Duration?) async throws(RPCError) -> RPCAnswer
}

/// An RPC reply as the ingress forwards it: the reply's `type` and its JSON body.
public struct RPCAnswer: Sendable {
    public var type: String
    public var body: Data

    public init(type: String, body: Data) {
        self.type = type
        self.body = body
    }
}
