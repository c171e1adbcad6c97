import Warren

/// The cleaning service (issue 7): a customer books a cleaning and pays synchronously, a
/// cleaner is assigned, everyone is notified, and a dashboard shows it all. Six bounded
/// contexts, one folder and one worker each; `topology/cleaning/` wires them.
public enum CleaningSystem: BusinessSystem {
    public static let name = "cleaning"

    /// The contexts in the order `warren up` starts them: the RPC server first.
    public static let contextNames = ["payment", "reservation", "paymethod", "cleaning", "message", "dashboard"]

    /// The context `warren worker NAME` runs, configured from the environment (`Settings`);
    /// nil for a name that is not one of this system's.
    public static func context(named name: String, environment: [String: String]) throws -> BoundedContext? {
        let settings = try Settings.fromEnvironment(environment)
        return try context(named: name, settings: settings)
    }

    static func context(named name: String, settings: Settings) throws(Settings.Problem) -> BoundedContext? {
        switch name {
        case "reservation": Reservation.context(settings: settings)
        case "payment": Payment.context(settings: settings)
        case "paymethod": try PayMethod.context(settings: settings)
        case "cleaning": Cleaning.context(settings: settings)
        case "message": MessageHistory.context()
        case "dashboard": Dashboard.context()
        default: nil
        }
    }
}
