/// An exchange a context owns; only its owner publishes to it (commands exchanges excepted:
/// other contexts and the gateway send commands there, which is what they are for).
public struct Exchange: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case topic, direct, fanout, headers
    }

    /// What the exchange is for; the conventional ones are derived, never written.
    public enum Role: String, Sendable {
        case events, commands, deadLetter = "dead-letter", retry, requeue, custom
    }

    /// Dead-letter, retry and requeue exchanges: only the runtime and the broker publish there.
    public var isPlumbing: Bool { role == .deadLetter || role == .retry || role == .requeue }

    public var name: String
    public var kind: Kind
    public var role: Role
    public var context: String
    /// True when the loader created it from a convention rather than from a written entry.
    public var derived: Bool
    public var location: SourceLocation

    public init(name: String, kind: Kind, role: Role, context: String, derived: Bool, location: SourceLocation) {
        self.name = name
        self.kind = kind
        self.role = role
        self.context = context
        self.derived = derived
        self.location = location
    }
}
