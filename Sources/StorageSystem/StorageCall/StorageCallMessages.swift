import Warren

/// A customer's request to rent a storage unit: accepted only once storagemanage took it,
/// then following the assignment's events.
public enum StorageCall {
    /// `POST /storagecalls`: `http :8080/storagecalls tel="01012345678" location="마포" status=호출 cost=25000`.
    struct CallStorage: Message {
        static let type = "storagecall.CallStorage"
        var tel: String
        var location: String
        /// The client's word (호출), stored as sent.
        var status: String?
        var cost: Int
    }

    /// `DELETE /storagecalls/{id}`.
    struct CancelStorageCall: Message {
        static let type = "storagecall.CancelStorageCall"
        var id: Int
    }

    struct StorageCalled: Message, Equatable {
        static let type = "storagecall.StorageCalled"
        var storagecallId: Int
        var tel: String
        var location: String
        var cost: Int
        var status: String
    }

    struct StorageCallCancelled: Message, Equatable {
        static let type = "storagecall.StorageCallCancelled"
        var storagecallId: Int
        var tel: String
        var location: String
        var status = Status.cancelled
        var reason: String
    }

    /// A row of the `storagecalls` view, in the original's JSON names.
    struct Record: Codable, Sendable, Equatable {
        var id: Int
        var tel: String
        var location: String
        var status: String
        var cost: Int
    }

    /// Why a call was cancelled, as `StorageCallCancelled.reason` says it.
    enum Cause {
        static let customer = "cancelled by the customer"
        static func noUnit(_ reason: String) -> String { "no unit assigned: \(reason)" }
    }
}
