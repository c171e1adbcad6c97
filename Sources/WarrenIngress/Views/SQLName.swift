import Topology

/// How view declarations name things in PostgreSQL (shared-contract.md, "View tables"): the
/// context's schema (`-` becomes `_`), snake_case tables and columns of the camelCase names.
enum SQLName {
    /// `cleaningReservations` → `cleaning_reservations`, `numberLast4` → `number_last4`: an
    /// underscore before every upper-case letter, then lower case.
    static func snake(_ name: String) -> String {
        var output = ""
        for character in name {
            if character.isUppercase {
                if !output.isEmpty { output += "_" }
                output += character.lowercased()
            } else {
                output.append(character)
            }
        }
        return output
    }

    /// A double-quoted SQL identifier.
    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A single-quoted SQL string literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func schema(of context: String) -> String {
        quoted(context.replacingOccurrences(of: "-", with: "_"))
    }

    static func table(of view: View) -> String {
        schema(of: view.context) + "." + quoted(snake(view.name))
    }

    static func column(_ field: Field) -> String {
        quoted(snake(field.name))
    }

    /// The English singular of a collection name, the item relation Spring Data REST derives
    /// from the entity class: `payments` → `payment`, `categories` → `category`,
    /// `addresses` → `address`, `boxes` → `box`.
    static func singular(_ plural: String) -> String {
        if plural.hasSuffix("ies") { return plural.dropLast(3) + "y" }
        for suffix in ["sses", "xes", "ches", "shes", "zzes"] where plural.hasSuffix(suffix) { return String(plural.dropLast(2)) }
        if plural.hasSuffix("s"), !plural.hasSuffix("ss") { return String(plural.dropLast()) }
        return plural
    }
}
