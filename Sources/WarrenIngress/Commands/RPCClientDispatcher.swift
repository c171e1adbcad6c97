import Foundation
import Warren

// Compiled out until the core (`Warren.RPCClient`, shared-contract.md) is merged; then the
// condition goes, with ContractShim.swift.
#if WARREN_RPC_CLIENT
extension RPCClient: Dispatcher {
    public func call(rpc type: String, body: Data, correlationId: String?, messageId: String?,
                     deadline: Duration?) async throws(RPCError) -> RPCAnswer {
        let reply = try await call(type: type, body: body, correlationId: correlationId, messageId: messageId, deadline: deadline)
        return RPCAnswer(type: reply.envelope.type, body: reply.body)
    }
}
#endif
