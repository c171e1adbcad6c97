/// W3C trace context (`traceparent: 00-<trace id>-<span id>-<flags>`), carried in message headers
/// so every message caused by one request belongs to the same trace.
enum TraceContext {
    /// The `traceparent` of a message caused by one carrying `parent`: the same trace, a new span.
    /// A missing or malformed parent starts a new trace.
    static func child(of parent: String?) -> String {
        let parts = parent?.split(separator: "-") ?? []
        if parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
           parts[1].allSatisfy(\.isHexDigit), parts[1] != String(repeating: "0", count: 32) {
            return "00-\(parts[1])-\(Identifier.hex(bytes: 8))-\(parts[3])"
        }
        return "00-\(Identifier.hex(bytes: 16))-\(Identifier.hex(bytes: 8))-01"
    }
}
