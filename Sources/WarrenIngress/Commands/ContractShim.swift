// DELETE THIS FILE when `main` with the RPC core is merged: these are the contract's types
// (shared-contract.md, "Swift API in module Warren"), written here only so the ingress builds
// and its tests run before `Warren.Outcome`, `Warren.RPCError` and `Warren.RPCClient` land.
// Nothing else in the module defines them; after the merge the module's code uses Warren's.

import Foundation
import Warren

/// A command's result as its handler answered it (contract: body of `type: warren.Outcome`).
public struct Outcome: Codable, Sendable, Hashable {
    public enum Result: String, Codable, Sendable { case created, done, refused }
    public struct Refusal: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable { case invalid, declined, notFound, conflict, unavailable }
        public var kind: Kind
        public var reason: String
        public init(kind: Kind, reason: String) {
            self.kind = kind
            self.reason = reason
        }
    }
    public var result: Result
    public var id: String?
    public var resource: JSONValue?
    public var refusal: Refusal?

    public init(result: Result, id: String? = nil, resource: JSONValue? = nil, refusal: Refusal? = nil) {
        self.result = result
        self.id = id
        self.resource = resource
        self.refusal = refusal
    }

    public static let done = Outcome(result: .done)
    public static func refused(_ kind: Refusal.Kind, _ reason: String) -> Outcome {
        Outcome(result: .refused, refusal: Refusal(kind: kind, reason: reason))
    }
}

public enum RPCError: Error, Sendable {
    case timedOut(target: String, after: Duration)
    case unavailable(target: String, reason: String)
    case rejected(target: String, reason: String)
    case undecodableReply(target: String, reason: String)
}
