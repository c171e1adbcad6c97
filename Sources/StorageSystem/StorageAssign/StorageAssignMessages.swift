import Warren

/// Unit assignment: a free unit at the call's location from the configured list
/// (`STORAGE_UNITS`); none free → `StorageAssignFailed`, which cancels the call.
public enum StorageAssign {
    struct AssignStorage: Message {
        static let type = "storageassign.AssignStorage"
        var storagecallId: Int
        var location: String
    }

    struct ReleaseStorage: Message {
        static let type = "storageassign.ReleaseStorage"
        var storagecallId: Int
    }

    struct StorageAssigned: Message, Equatable {
        static let type = "storageassign.StorageAssigned"
        var assignmentId: Int
        var storagecallId: Int
        var location: String
        var unit: String
        var status: String
    }

    struct StorageAssignFailed: Message, Equatable {
        static let type = "storageassign.StorageAssignFailed"
        var storagecallId: Int
        var location: String
        var reason: String
    }

    struct StorageReleased: Message, Equatable {
        static let type = "storageassign.StorageReleased"
        var assignmentId: Int
        var storagecallId: Int
        var location: String
        var unit: String
    }
}
