/// AMQP 0-9-1 topic matching: words separated by dots; `*` matches exactly one word, `#`
/// matches zero or more words.
public struct TopicPattern: Hashable, Sendable {
    public var pattern: String
    private let words: [Substring]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.words = pattern.split(separator: ".", omittingEmptySubsequences: false)
    }

    /// Whether a message published with `routingKey` reaches a binding with this pattern.
    public func matches(_ routingKey: String) -> Bool {
        let key = routingKey.split(separator: ".", omittingEmptySubsequences: false)
        // reachable[j]: the pattern words consumed so far can match key[..<j].
        var reachable = Array(repeating: false, count: key.count + 1)
        reachable[0] = true
        for word in words {
            var next = Array(repeating: false, count: key.count + 1)
            switch word {
            case "#":
                var seen = false
                for j in 0...key.count {
                    seen = seen || reachable[j]
                    next[j] = seen
                }
            case "*":
                for j in 0..<key.count where reachable[j] { next[j + 1] = true }
            default:
                for j in 0..<key.count where reachable[j] && key[j] == word { next[j + 1] = true }
            }
            reachable = next
        }
        return reachable[key.count]
    }

    /// Whether the pattern uses wildcards at all.
    public var hasWildcards: Bool { words.contains { $0 == "*" || $0 == "#" } }
}

extension Exchange.Kind {
    /// Whether a binding with `bindingKey` on an exchange of this kind receives a message
    /// published with `routingKey`. Headers exchanges ignore routing keys: assume they can.
    public func routes(_ routingKey: String, to bindingKey: String) -> Bool {
        switch self {
        case .topic: TopicPattern(bindingKey).matches(routingKey)
        case .direct: bindingKey == routingKey
        case .fanout, .headers: true
        }
    }
}
