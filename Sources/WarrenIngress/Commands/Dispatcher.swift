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

/// The dispatcher of a build without the RPC client: every command and RPC route answers 503.
/// Replaced by `RPCClient` when the core lands (see ContractShim.swift).
struct PendingCoreDispatcher: Dispatcher {
    func send(command type: String, body: Data, correlationId: String?, messageId: String?,
              wait: Duration) async throws(RPCError) -> Outcome? {
        throw .unavailable(target: type, reason: "this build has no RPC client yet")
    }

    func call(rpc type: String, body: Data, correlationId: String?, messageId: String?,
              deadline: Duration?) async throws(RPCError) -> RPCAnswer {
        throw .unavailable(target: type, reason: "this build has no RPC client yet")
    }
}

extension IngressApplication {
    /// Until the RPC client is merged: command and RPC routes answer 503 (see ContractShim.swift).
    public static var pendingCoreDispatcher: any Dispatcher { PendingCoreDispatcher() }
}
