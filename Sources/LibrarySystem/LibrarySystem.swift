import Warren

/// The library system: work in progress, no context yet.
public enum LibrarySystem: BusinessSystem {
    public static let name = "library"

    /// The contexts in the order `warren up` starts them: the RPC servers first.
    public static let contextNames: [String] = []

    public static func context(named name: String, environment: [String: String]) throws -> BoundedContext? {
        nil
    }
}
