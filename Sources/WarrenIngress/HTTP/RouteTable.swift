/// A path with `{name}` parameters, as gateway.yaml writes it: `/cleaningReservations/{id}`.
struct PathTemplate: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]
    /// The template as written; the `route` label of the metrics.
    let description: String

    init(_ text: String) {
        description = text
        segments = text.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
    }

    var parameters: [String] {
        segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    }

    /// The parameters' values when `path` (already split and decoded) fits this template.
    func match(_ path: [String]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var values: [String: String] = [:]
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let literal): guard literal == part else { return nil }
            case .parameter(let name): values[name] = part
            }
        }
        return values
    }

    /// Fills the parameters in, percent-encoding their values.
    func expand(_ values: [String: String]) -> String {
        "/" + segments.map { segment in
            switch segment {
            case .literal(let literal): literal
            case .parameter(let name): PathTemplate.encode(values[name] ?? "")
            }
        }.joined(separator: "/")
    }

    var literalCount: Int { segments.count { if case .literal = $0 { true } else { false } } }

    /// Splits a request path into percent-decoded segments; nil for a malformed escape.
    /// Empty segments are dropped, so `/payments/` is `/payments`.
    static func split(_ path: String) -> [String]? {
        var result: [String] = []
        for part in path.split(separator: "/") {
            guard let decoded = decode(part) else { return nil }
            result.append(decoded)
        }
        return result
    }

    static func decode(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexDigit), let low = iterator.next().flatMap(hexDigit) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return output
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Method and path to a target, with the answers HTTP wants for near misses: 405 with the
/// methods the path does take, 404 when no template fits.
struct RouteTable<Target: Sendable>: Sendable {
    struct Entry: Sendable {
        let method: String
        let template: PathTemplate
        let target: Target
    }

    enum Match {
        case found(Entry, parameters: [String: String])
        /// The path exists with other methods (sorted, `HEAD` beside `GET`, `OPTIONS` always).
        case methodNotAllowed(allow: [String])
        case notFound
    }

    private(set) var entries: [Entry] = []

    init() {}

    mutating func add(_ method: String, _ template: String, _ target: Target) {
        entries.append(Entry(method: method, template: PathTemplate(template), target: target))
    }

    /// `HEAD` finds the `GET` route; among templates that fit, the one with most literal segments wins.
    func match(method: String, path: String) -> Match {
        guard let segments = PathTemplate.split(path) else { return .notFound }
        let fitting = entries.compactMap { entry in entry.template.match(segments).map { (entry, $0) } }
        guard !fitting.isEmpty else { return .notFound }
        let wanted = method == "HEAD" ? "GET" : method
        if let (entry, parameters) = fitting.filter({ $0.0.method == wanted }).max(by: { $0.0.template.literalCount < $1.0.template.literalCount }) {
            return .found(entry, parameters: parameters)
        }
        return .methodNotAllowed(allow: Self.allow(fitting.map(\.0.method)))
    }

    static func allow(_ methods: [String]) -> [String] {
        var set = Set(methods)
        if set.contains("GET") { set.insert("HEAD") }
        set.insert("OPTIONS")
        return set.sorted()
    }
}
