import Warren

/// Storage management: takes assignment requests synchronously, asks storageassign for a unit
/// and, on a cancellation, to free it. Its state is an embedded SQLite file.
public enum StorageManage {
    /// The RPC storagecall makes before it answers `POST /storagecalls`.
    struct RequestAssignment: RPCRequest {
        typealias Reply = AssignmentReply
        static let type = "storagemanage.RequestAssignment"
        var storagecallId: Int
        var tel: String
        var location: String
        var cost: Int
    }

    struct AssignmentReply: Message, Equatable {
        static let type = "storagemanage.RequestAssignmentReply"
        var accepted: Bool
        var manageId: Int?
        var status: String
        var reason: String?
    }

    /// The compensation of a request whose caller gave up waiting.
    struct DropAssignmentRequest: Message {
        static let type = "storagemanage.DropAssignmentRequest"
        var storagecallId: Int
    }

    struct AssignmentRequested: Message, Equatable {
        static let type = "storagemanage.AssignmentRequested"
        var manageId: Int
        var storagecallId: Int
        var location: String
        var status: String
    }

    /// A row of `storagemanages`.
    struct Record: Codable, Sendable, Equatable {
        var id: Int
        var storagecallId: Int
        var tel: String
        var location: String
        var cost: Int
        var status: String
        var unit: String?
    }
}
