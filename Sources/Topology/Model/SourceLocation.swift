/// A position in a topology file, so every problem can point at the line to change.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file as it was given to the loader (relative paths stay relative).
    public var file: String
    /// Line number, starting at 1.
    public var line: Int
    /// Column number, starting at 1, counted in Unicode scalars.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found while loading or validating the topology: where, what, and how to fix it.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    /// What is wrong, in one sentence naming the offending value.
    public var problem: String
    /// How to fix it, when there is an obvious way out.
    public var fix: String?

    public init(_ location: SourceLocation, _ problem: String, fix: String? = nil) {
        self.location = location
        self.problem = problem
        self.fix = fix
    }

    /// `file:line:column: problem; fix`, the shape compilers use so editors can jump to it.
    public var description: String {
        if let fix { return "\(location): \(problem); \(fix)" }
        return "\(location): \(problem)"
    }
}
