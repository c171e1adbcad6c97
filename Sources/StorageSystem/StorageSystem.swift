import ServiceLifecycle
import Warren
import WarrenEmbedded

/// The storage rental system (issue 21): a customer asks for a storage unit (phone, location,
/// cost); the call is accepted only once storagemanage has taken it (RPC), a free unit is then
/// assigned asynchronously, a cancellation frees it, and the status follows in Korean:
/// 호출 → 호출중 → 호출확정 or 호출취소. storagemanage keeps its state in an embedded SQLite file
/// (`WarrenEmbedded`); the customer context is a Python worker on the same topology.
public enum StorageSystem: BusinessSystem {
    public static let name = "storage"

    /// The Swift contexts in the order `warren up` starts them: the RPC server first. `warren up`
    /// starts the Python `customer` worker after them (`externalWorkers`).
    public static let contextNames = ["storagemanage", "storageassign", "storagecall"]

    /// The PostgreSQL contexts (`storagecall`, `storageassign`), configured from the environment
    /// (`Settings`); nil for any other name, storagemanage included (see `worker(named:environment:)`).
    public static func context(named name: String, environment: [String: String]) throws -> BoundedContext? {
        try context(named: name, settings: Settings.fromEnvironment(environment))
    }

    static func context(named name: String, settings: Settings) -> BoundedContext? {
        switch name {
        case "storagecall": StorageCall.context(settings: settings)
        case "storageassign": StorageAssign.context(settings: settings)
        default: nil
        }
    }

    /// storagemanage's worker: its state in the SQLite file `WARREN_SQLITE_PATH` names.
    public static func worker(named name: String, environment: [String: String]) throws -> ServiceGroup? {
        guard name == "storagemanage" else { return nil }
        return try EmbeddedApplication.build(context: StorageManage.context(settings: Settings.fromEnvironment(environment)),
                                             environment: environment)
    }
}

/// The customer context is a Python program (Sources/StorageSystem/Python): `warren up storage`
/// starts it like the Swift workers.
extension StorageSystem: ExternalWorkers {
    public static let externalWorkers = [ExternalWorker(context: "customer", command: ["Sources/StorageSystem/Python/run"])]
}
