import ServiceLifecycle

/// A business system as the `warren` binary sees it: a name, its contexts in start order, and
/// how to build one of them from the environment. Each system is a namespace of its own (a
/// RabbitMQ vhost and a PostgreSQL database), so two systems may both have a `payment` context.
public protocol BusinessSystem {
    /// The folder under `topology/`, `Sources/<Name>System/` and `Tests/<Name>SystemTests/`.
    static var name: String { get }
    /// The contexts in the order `warren up` starts them: RPC servers first.
    static var contextNames: [String] { get }
    /// The context `name` configured from `environment`; nil when the system has none by that
    /// name. Throws a problem naming the malformed or missing variable.
    static func context(named name: String, environment: [String: String]) throws -> BoundedContext?
    /// The worker of a context that is built differently (its state in an embedded store), as
    /// the service group `warren worker` runs; nil for every other name, the default.
    static func worker(named name: String, environment: [String: String]) throws -> ServiceGroup?
}

extension BusinessSystem {
    public static func worker(named name: String, environment: [String: String]) throws -> ServiceGroup? { nil }
}
