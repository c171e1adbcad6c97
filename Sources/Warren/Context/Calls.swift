import Foundation
import Synchronization

/// The RPCs a handler's `before` step may make, on behalf of the message being handled.
///
/// Each request's message id is derived from the handled message's (`<id>/<request type>`), so
/// a redelivered message asks again with the same id and the server answers from its inbox.
/// When a call times out, the endpoint's compensation is written to the outbox with the
/// handler's effects (or published at once if the handling fails), never just dropped.
public final class Calls: Sendable {
    private let client: (any RPCTransport)?
    private let claims: IdClaims?
    let cause: Envelope
    private let pending = Mutex<[Compensation]>([])

    package init(client: (any RPCTransport)?, claims: IdClaims? = nil, cause: Envelope) {
        self.client = client
        self.claims = claims
        self.cause = cause
    }

    /// The message being handled, whose id makes a stable key for what the step allocates.
    public var envelope: Envelope { cause }

    /// The next number of the context's `sequence` (1, 2, 3…), claimed by the message being
    /// handled: every delivery of it gets the same one, so a call naming what the handler
    /// creates asks with the same id after a crash or a retry. See `IdClaims`.
    public func claimId(_ sequence: String) async throws -> Int {
        guard let claims else {
            throw PermanentFailure(.topologyViolation, "ids cannot be claimed here: this step runs without the worker's id claims")
        }
        return try await claims.claim(sequence, for: cause.messageId)
    }

    /// Calls the endpoint of `R` with the topology's deadline (or `deadline`) and returns its reply.
    public func call<R: RPCRequest>(_ request: R, deadline: Duration? = nil) async throws(RPCError) -> R.Reply {
        guard let client else {
            throw .unavailable(target: R.type, reason: "this worker has no rpc client: its topology lists no `calls`")
        }
        let body: Data
        do { body = try JSONEncoder.warren.encode(request) } catch {
            throw .rejected(target: R.type, reason: "the request does not encode: \(error)")
        }
        let messageId = "\(cause.messageId)/\(R.type)"
        do {
            let reply = try await client.request(type: R.type, body: body, cause: cause, messageId: messageId, deadline: deadline)
            return try RPCClient.decode(R.Reply.self, reply, target: R.type)
        } catch {
            if case .timedOut = error, let endpoint = client.fleet.rpc(R.type) {
                var envelope = cause.caused(type: R.type, by: client.caller)
                envelope.messageId = messageId
                if let compensation = Compensation(for: endpoint, request: body, envelope: envelope, fleet: client.fleet) {
                    pending.withLock { $0.append(compensation) }
                }
            }
            throw error
        }
    }

    /// The call as a value, for a step that hands the failure to its handler (which then
    /// records a refusal) instead of failing the delivery.
    public func result<R: RPCRequest>(of request: R, deadline: Duration? = nil) async -> Result<R.Reply, RPCError> {
        do throws(RPCError) {
            return .success(try await call(request, deadline: deadline))
        } catch {
            return .failure(error)
        }
    }

    /// Compensations of calls that timed out, for the outbox.
    var compensations: [Compensation] { pending.withLock { $0 } }
}
