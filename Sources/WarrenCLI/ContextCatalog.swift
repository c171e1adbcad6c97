import CleaningSystem
import Warren

/// Every bounded context this binary can run with `warren worker NAME`, by system.
enum ContextCatalog {
    struct System: Sendable {
        let name: String
        /// In the order `warren up` starts them.
        let contexts: [String]
        let build: @Sendable (_ context: String, _ environment: [String: String]) throws -> BoundedContext?
    }

    static let systems = [
        System(name: CleaningSystem.name, contexts: CleaningSystem.contextNames) { name, environment in
            try CleaningSystem.context(named: name, environment: environment)
        },
    ]

    /// The context named `name`, configured from `environment`; nil when no system has it.
    /// Throws the system's configuration problem (a malformed or missing variable).
    static func context(named name: String, environment: [String: String]) throws -> BoundedContext? {
        for system in systems {
            if let context = try system.build(name, environment) { return context }
        }
        return nil
    }

    static func system(named name: String) -> System? {
        systems.first { $0.name == name }
    }

    /// "a, b, c".
    static var knownNames: String {
        systems.flatMap(\.contexts).sorted().joined(separator: ", ")
    }
}
