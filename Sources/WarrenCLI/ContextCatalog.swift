import Warren

/// Every bounded context this binary can run with `warren worker [SYSTEM/]CONTEXT`, by system.
/// Package.swift finds the system modules by folder; `Systems.swift` lists them.
enum ContextCatalog {
    struct System: Sendable {
        let name: String
        /// In the order `warren up` starts them.
        let contexts: [String]
        let build: @Sendable (_ context: String, _ environment: [String: String]) throws -> BoundedContext?

        init(_ system: any BusinessSystem.Type) {
            name = system.name
            contexts = system.contextNames
            build = { try system.context(named: $0, environment: $1) }
        }
    }

    static let systems = registeredSystems.map(System.init)

    struct Ambiguity: Error, CustomStringConvertible {
        let description: String
    }

    /// The context named `name` (`payment`, or `hotel/payment` when several systems have a
    /// `payment`), configured from `environment`; nil when no system has it. Throws the
    /// system's configuration problem (a malformed or missing variable), or the ambiguity.
    static func context(named name: String, environment: [String: String]) throws -> BoundedContext? {
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            guard let system = system(named: parts[0]), system.contexts.contains(parts[1]) else { return nil }
            return try system.build(parts[1], environment)
        }
        let owners = systems.filter { $0.contexts.contains(name) }
        guard owners.count <= 1 else {
            throw Ambiguity(description: "`\(name)` is a context of \(owners.map(\.name).joined(separator: ", ")): name the system, e.g. `warren worker \(owners[0].name)/\(name)`")
        }
        return try owners.first?.build(name, environment)
    }

    static func system(named name: String) -> System? {
        systems.first { $0.name == name }
    }

    /// "cleaning/payment, hotel/order, ...".
    static var knownNames: String {
        systems.flatMap { system in system.contexts.map { "\(system.name)/\($0)" } }.sorted().joined(separator: ", ")
    }
}
