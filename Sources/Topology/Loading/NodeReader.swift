import Yams

/// Reads one composed YAML tree, collecting every problem instead of stopping at the first,
/// each pinned to the node's line and column (`Node.mark`).
struct NodeReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    mutating func report(_ node: Node?, _ problem: String, fix: String? = nil) {
        diagnostics.append(Diagnostic(location(of: node), problem, fix: fix))
    }

    mutating func report(at location: SourceLocation, _ problem: String, fix: String? = nil) {
        diagnostics.append(Diagnostic(location, problem, fix: fix))
    }

    func location(of node: Node?) -> SourceLocation {
        let mark = node?.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// How a node reads in a message: its text for a scalar, its shape otherwise.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): scalar.string.isEmpty ? "nothing" : "`\(scalar.string)`"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The pairs of a mapping with string keys, after reporting keys outside `allowed`.
    mutating func mapping(_ node: Node, _ what: String, allowed: [String]? = nil) -> [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            report(node, "\(what) must be a mapping, got \(Self.describe(node))")
            return nil
        }
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                report(keyNode, "keys of \(what) must be plain names, got \(Self.describe(keyNode))")
                continue
            }
            if let allowed, !allowed.contains(key.string) {
                let hint = Suggestion.closest(to: key.string, in: allowed)
                report(keyNode, "unknown key `\(key.string)` in \(what)",
                       fix: hint.map { "did you mean `\($0)`?" } ?? "expected one of \(allowed.map { "`\($0)`" }.joined(separator: ", "))")
                continue
            }
            pairs.append((key.string, keyNode, value))
        }
        return pairs
    }

    mutating func string(_ node: Node, _ key: String) -> String? {
        guard case .scalar(let scalar) = node else {
            report(node, "`\(key)` must be a string, got \(Self.describe(node))")
            return nil
        }
        return scalar.string
    }

    mutating func int(_ node: Node, _ key: String, minimum: Int = 0) -> Int? {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            report(node, "`\(key)` must be an integer, got \(Self.describe(node))")
            return nil
        }
        guard value >= minimum else {
            report(node, "`\(key)` must be at least \(minimum), got `\(value)`")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, _ key: String) -> Bool? {
        guard case .scalar(let scalar) = node, let value = ["true": true, "false": false][scalar.string] else {
            report(node, "`\(key)` must be `true` or `false`, got \(Self.describe(node))")
            return nil
        }
        return value
    }

    mutating func interval(_ node: Node, _ key: String) -> Interval? {
        guard case .scalar(let scalar) = node, let value = Interval(parsing: scalar.string) else {
            report(node, "`\(key)` must be a duration such as `500ms`, `5s`, `2m`, `1h` or `7d`, got \(Self.describe(node))")
            return nil
        }
        return value
    }

    /// A list of strings; a single string is accepted as a list of one.
    mutating func strings(_ node: Node, _ key: String) -> [(String, Node)]? {
        switch node {
        case .scalar(let scalar):
            return [(scalar.string, node)]
        case .sequence(let sequence):
            var result: [(String, Node)] = []
            for element in sequence {
                if case .scalar(let scalar) = element {
                    result.append((scalar.string, element))
                } else {
                    report(element, "entries of `\(key)` must be strings, got \(Self.describe(element))")
                }
            }
            return result
        default:
            report(node, "`\(key)` must be a list of strings, got \(Self.describe(node))")
            return nil
        }
    }

    mutating func sequence(_ node: Node, _ key: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            report(node, "`\(key)` must be a list, got \(Self.describe(node))")
            return nil
        }
        return Array(sequence)
    }

    /// Reports keys a mapping must have but lacks, at the mapping itself.
    mutating func require(_ keys: [String], in pairs: [(key: String, keyNode: Node, value: Node)], of node: Node, _ what: String) -> Bool {
        var complete = true
        for key in keys where !pairs.contains(where: { $0.key == key }) {
            report(node, "\(what) lacks `\(key)`")
            complete = false
        }
        return complete
    }
}

/// YAML syntax errors, read out of Yams' error with their position.
extension NodeReader {
    static func syntaxDiagnostic(_ error: any Error, file: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error {
        case YamlError.scanner(let context, let problem, let mark, _),
             YamlError.parser(let context, let problem, let mark, _),
             YamlError.composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return Diagnostic(at(mark), "YAML syntax error: \(problem)\(while_)")
        case YamlError.duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(at(context.mark), "duplicate key \(duplicates.map { "`\($0)`" }.joined(separator: ", ")) in one mapping",
                              fix: "keep one of them")
        case YamlError.reader(let problem, _, _, _):
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), "the file is not readable YAML: \(problem)")
        default:
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), "the file is not readable YAML: \(error)")
        }
    }
}
