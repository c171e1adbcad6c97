import Warren

/// The hotel system: work in progress, no context yet.
public enum HotelSystem: BusinessSystem {
    public static let name = "hotel"

    /// The contexts in the order `warren up` starts them: the RPC servers first.
    public static let contextNames: [String] = []

    public static func context(named name: String, environment: [String: String]) throws -> BoundedContext? {
        nil
    }
}
