/// A `text[]` parameter in PostgreSQL's array literal format, so one statement takes a whole
/// list (`SELECT unnest($1::text[])`, `x = ANY($1::text[])`) instead of one statement per item.
public struct PostgresTextArray: PostgresEncodable {
    public var values: [String]

    public init(_ values: [String]) {
        self.values = values
    }

    /// Every element double-quoted, with `"` and `\` escaped: commas, braces, blanks and the
    /// word NULL inside a value stay text.
    public var postgresText: String? {
        var literal = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { literal.append(",") }
            literal.append("\"")
            for character in value {
                if character == "\"" || character == "\\" { literal.append("\\") }
                literal.append(character)
            }
            literal.append("\"")
        }
        literal.append("}")
        return literal
    }
}
