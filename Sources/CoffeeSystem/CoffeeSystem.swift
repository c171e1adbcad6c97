import Warren

/// The coffee order system (SirenOrder, issue 20): a clerk registers products with a price
/// and a status, a customer orders one, and the order completes only when product says it is
/// priced and available; a report follows every product. Three bounded contexts, one folder
/// and one worker each; `topology/coffee/` wires them.
public enum CoffeeSystem: BusinessSystem {
    public static let name = "coffee"

    /// The contexts in the order `warren up` starts them: the RPC server first.
    public static let contextNames = ["product", "order", "report"]

    /// The context `warren worker coffee/NAME` runs, configured from the environment
    /// (`Settings`); nil for a name that is not one of this system's.
    public static func context(named name: String, environment: [String: String]) throws -> BoundedContext? {
        context(named: name, settings: try Settings.fromEnvironment(environment))
    }

    static func context(named name: String, settings: Settings) -> BoundedContext? {
        switch name {
        case "product": Product.context(settings: settings)
        case "order": Order.context(settings: settings)
        case "report": Report.context()
        default: nil
        }
    }
}
