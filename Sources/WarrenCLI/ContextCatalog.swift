import ServiceLifecycle
import Warren

/// Every bounded context this binary can run with `warren worker [SYSTEM/]CONTEXT`, by system.
/// Package.swift finds the system modules by folder; `Systems.swift` lists them.
enum ContextCatalog {
    struct System: Sendable {
        let name: String
        /// In the order `warren up` starts them.
        let contexts: [String]
        let build: @Sendable (_ context: String, _ environment: [String: String]) throws -> BoundedContext?
        /// A context built differently (an embedded store's), as its whole worker.
        let buildWorker: @Sendable (_ context: String, _ environment: [String: String]) throws -> ServiceGroup?

        init(_ system: any BusinessSystem.Type) {
            name = system.name
            contexts = system.contextNames
            build = { try system.context(named: $0, environment: $1) }
            buildWorker = { try system.worker(named: $0, environment: $1) }
        }
    }

    static let systems = registeredSystems.map(System.init)

    struct Ambiguity: Error, CustomStringConvertible {
        let description: String
    }

    struct NoWorker: Error, CustomStringConvertible {
        let description: String
    }

    /// The context named `name` (`payment`, or `hotel/payment` when several systems have a
    /// `payment`), configured from `environment`; nil when no system has it. Throws the
    /// system's configuration problem (a malformed or missing variable), or the ambiguity.
    static func context(named name: String, environment: [String: String]) throws -> BoundedContext? {
        guard let (system, context) = try owner(of: name) else { return nil }
        return try system.build(context, environment)
    }

    /// The worker `warren worker NAME` runs, to build once logging is set up: the context's own
    /// (an embedded store's) or `WorkerApplication`'s over its `BoundedContext`. Nil when no
    /// system has it; throws as `context(named:environment:)` does.
    static func worker(named name: String, environment: [String: String]) throws -> (@Sendable () throws -> ServiceGroup)? {
        guard let (system, context) = try owner(of: name) else { return nil }
        if let bounded = try system.build(context, environment) {
            return { try WorkerApplication.build(context: bounded, environment: environment) }
        }
        return { [buildWorker = system.buildWorker] in
            guard let group = try buildWorker(context, environment) else {
                throw NoWorker(description: "\(system.name) lists `\(context)` but builds no worker for it")
            }
            return group
        }
    }

    /// The system and context name `name` means (`payment` or `hotel/payment`); nil when none.
    private static func owner(of name: String) throws -> (System, String)? {
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            guard let system = system(named: parts[0]), system.contexts.contains(parts[1]) else { return nil }
            return (system, parts[1])
        }
        let owners = systems.filter { $0.contexts.contains(name) }
        guard owners.count <= 1 else {
            throw Ambiguity(description: "`\(name)` is a context of \(owners.map(\.name).joined(separator: ", ")): name the system, e.g. `warren worker \(owners[0].name)/\(name)`")
        }
        return owners.first.map { ($0, name) }
    }

    static func system(named name: String) -> System? {
        systems.first { $0.name == name }
    }

    /// "cleaning/payment, hotel/order, ...".
    static var knownNames: String {
        systems.flatMap { system in system.contexts.map { "\(system.name)/\($0)" } }.sorted().joined(separator: ", ")
    }
}
