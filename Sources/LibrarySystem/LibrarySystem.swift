import Warren

/// The library book rental system with self-service kiosks (issue 22): a member reserves a book
/// and pays, rents it, returns it, cancels (refunded), rents and returns at a kiosk, and sees it
/// all on their page. Five bounded contexts, one folder and one worker each;
/// `topology/library/` wires them.
public enum LibrarySystem: BusinessSystem {
    public static let name = "library"

    /// The contexts in the order `warren up` starts them: the RPC servers first.
    public static let contextNames = ["payment", "kiosk", "rental", "book", "mypage"]

    /// The context `warren worker library/NAME` runs, configured from the environment
    /// (`Settings`); nil for a name that is not one of this system's.
    public static func context(named name: String, environment: [String: String]) throws -> BoundedContext? {
        try context(named: name, settings: Settings.fromEnvironment(environment))
    }

    static func context(named name: String, settings: Settings) -> BoundedContext? {
        switch name {
        case "payment": Payment.context(settings: settings)
        case "kiosk": Kiosk.context(settings: settings)
        case "rental": Rental.context(settings: settings)
        case "book": Book.context()
        case "mypage": MyPage.context()
        default: nil
        }
    }
}
