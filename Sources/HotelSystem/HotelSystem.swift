import Warren

/// The hotel booking system (yogiyogi, issue 19): a customer books a room and pays, the booking
/// completes only when payment succeeds, the hotel operator confirms or cancels, customers and
/// operators each see their own view. Five bounded contexts, one folder and one worker each;
/// `topology/hotel/` wires them.
public enum HotelSystem: BusinessSystem {
    public static let name = "hotel"

    /// The contexts in the order `warren up` starts them: the RPC server first.
    public static let contextNames = ["payment", "order", "reservation", "hotel", "customer"]

    /// The context `warren worker hotel/NAME` runs, configured from the environment
    /// (`Settings`); nil for a name that is not one of this system's.
    public static func context(named name: String, environment: [String: String]) throws -> BoundedContext? {
        try context(named: name, settings: Settings.fromEnvironment(environment))
    }

    static func context(named name: String, settings: Settings) -> BoundedContext? {
        switch name {
        case "payment": Payment.context(settings: settings)
        case "order": Order.context(settings: settings)
        case "reservation": Reservation.context()
        case "hotel": Hotel.context()
        case "customer": Customer.context()
        default: nil
        }
    }
}
