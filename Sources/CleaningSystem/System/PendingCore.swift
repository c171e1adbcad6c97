// DELETE THIS FILE WHEN `main` IS MERGED.
//
// A stand-in for the reply core the lead is adding to module `Warren` (shared-contract.md):
// `Outcome`, `RPCError`, `Calls`, `serve`, `on(_:before:_:)` and `Handling.respond`, with the
// contract's signatures, so the handlers below type-check now. Nothing here replies, calls or
// responds for real; every declaration is internal so none of it leaks out of the module.
//
// On merge: delete this file; drop the RPC filter in TopologyConformanceTests
// (`everyContextHandlesWhatItsQueuesConsume`); if Warren's `Calls` has no `envelope`, give
// `StableId` the handled message's id another way (see StableId.swift).
import Foundation
import Warren

struct Outcome: Codable, Sendable, Hashable {
    enum Result: String, Codable, Sendable { case created, done, refused }
    struct Refusal: Codable, Sendable, Hashable {
        enum Kind: String, Codable, Sendable { case invalid, declined, notFound, conflict, unavailable }
        var kind: Kind
        var reason: String
    }
    var result: Result
    var id: String?
    var resource: JSONValue?
    var refusal: Refusal?

    static func created(id: some CustomStringConvertible, _ resource: some Encodable) throws -> Outcome {
        Outcome(result: .created, id: id.description, resource: try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(resource)))
    }
    static func done(_ resource: some Encodable) throws -> Outcome {
        Outcome(result: .done, resource: try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(resource)))
    }
    static let done = Outcome(result: .done)
    static func refused(_ kind: Refusal.Kind, _ reason: String) -> Outcome {
        Outcome(result: .refused, refusal: Refusal(kind: kind, reason: reason))
    }
}

enum RPCError: Error, Sendable {
    case timedOut(target: String, after: Duration)
    case unavailable(target: String, reason: String)
    case rejected(target: String, reason: String)
    case undecodableReply(target: String, reason: String)
}

/// The contract's `calls`, plus `envelope` (the handled message's, which this module needs for
/// `StableId`; asked of the lead).
struct Calls: Sendable {
    let envelope: Envelope
    func call<R: RPCRequest>(_ request: R) async throws -> R.Reply {
        throw RPCError.unavailable(target: R.type, reason: "the RPC core has not landed on this branch")
    }
}

extension BoundedContext {
    mutating func serve<R: RPCRequest>(_ type: R.Type, _ body: @escaping @Sendable (R, Handling) async throws -> R.Reply) {
        on(R.self) { request, handling in _ = try await body(request, handling) }
    }

    mutating func on<M: Message, P: Sendable>(_ type: M.Type, before: @escaping @Sendable (M, Calls) async throws -> P,
                                              _ body: @escaping @Sendable (M, P, Handling) async throws -> Void) {
        on(M.self) { message, handling in
            let prepared = try await before(message, Calls(envelope: handling.envelope))
            try await body(message, prepared, handling)
        }
    }
}

extension Handling {
    func respond(_ outcome: Outcome) {
        logger.debug("outcome (not sent: the reply core has not landed)", metadata: ["outcome.result": "\(outcome.result.rawValue)"])
    }
}
