import Foundation
import GRDB
import Warren
import WarrenEmbedded

extension StorageManage {
    static let migrations = [
        Migration(1, "storagemanages", """
            CREATE TABLE storagemanages (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                storagecall_id INTEGER NOT NULL UNIQUE,
                tel TEXT NOT NULL,
                location TEXT NOT NULL,
                cost INTEGER NOT NULL,
                status TEXT NOT NULL,
                unit TEXT
            );
            -- Calls whose request was dropped (the caller's compensation): a later request is refused.
            CREATE TABLE drops (storagecall_id INTEGER PRIMARY KEY)
            """),
    ]

    /// The storagemanage worker: `warren worker storage/storagemanage`.
    static func context(settings: Settings) -> EmbeddedContext {
        var context = EmbeddedContext("storagemanage", system: StorageSystem.name, migrations: migrations)
        let latency = settings.manageLatency
        context.serve(RequestAssignment.self) { request, handling in
            if latency.upperBound > 0 {
                // On the store's writer thread, never on Swift's cooperative pool: the demo's slowness.
                Thread.sleep(forTimeInterval: Double(Int.random(in: latency)) / 1000)
            }
            return try requestAssignment(request, handling)
        }
        context.on(DropAssignmentRequest.self) { drop, handling in
            try db(handling).execute(sql: "INSERT INTO drops (storagecall_id) VALUES (?) ON CONFLICT DO NOTHING", arguments: [drop.storagecallId])
            try cancel(drop.storagecallId, handling)
        }
        context.on(StorageCall.StorageCallCancelled.self) { cancelled, handling in
            try cancel(cancelled.storagecallId, handling)
        }
        context.on(StorageAssign.StorageAssigned.self) { assigned, handling in
            try advance(assigned.storagecallId, to: Status.confirmed, unit: assigned.unit, handling)
        }
        context.on(StorageAssign.StorageAssignFailed.self) { failed, handling in
            try advance(failed.storagecallId, to: Status.cancelled, unit: nil, handling)
        }
        context.on(StorageAssign.StorageReleased.self) { released, handling in
            try advance(released.storagecallId, to: Status.cancelled, unit: nil, handling)
        }
        return context
    }

    private static func db(_ handling: EmbeddedHandling) -> Database { handling.db }

    /// Records the call once (a second request for it gets the same answer) and asks
    /// storageassign for a unit; a call dropped before (its caller gave up) is refused.
    static func requestAssignment(_ request: RequestAssignment, _ handling: EmbeddedHandling) throws -> AssignmentReply {
        let db = handling.db
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM drops WHERE storagecall_id = ?", arguments: [request.storagecallId]) != nil {
            return AssignmentReply(accepted: false, status: Status.cancelled,
                                   reason: "call \(request.storagecallId) was dropped: its caller gave up waiting")
        }
        if let record = try record(request.storagecallId, db) {
            return AssignmentReply(accepted: record.status != Status.cancelled, manageId: record.id, status: record.status,
                                   reason: record.status == Status.cancelled ? "call \(request.storagecallId) is cancelled" : nil)
        }
        try db.execute(sql: """
            INSERT INTO storagemanages (storagecall_id, tel, location, cost, status) VALUES (?, ?, ?, ?, ?)
            """, arguments: [request.storagecallId, request.tel, request.location, request.cost, Status.waiting])
        let manageId = Int(db.lastInsertedRowID)
        try handling.publish(AssignmentRequested(manageId: manageId, storagecallId: request.storagecallId, location: request.location,
                                                 status: Status.waiting))
        try handling.publish(StorageAssign.AssignStorage(storagecallId: request.storagecallId, location: request.location))
        handling.logger.info("assignment requested", metadata: ["storagecall.id": "\(request.storagecallId)", "location": "\(request.location)"])
        return AssignmentReply(accepted: true, manageId: manageId, status: Status.waiting)
    }

    /// A cancelled or dropped call: recorded 호출취소 once, and storageassign asked to free its unit.
    static func cancel(_ storagecallId: Int, _ handling: EmbeddedHandling) throws {
        guard let record = try record(storagecallId, handling.db), record.status != Status.cancelled else { return }
        try handling.db.execute(sql: "UPDATE storagemanages SET status = ? WHERE id = ?", arguments: [Status.cancelled, record.id])
        try handling.publish(StorageAssign.ReleaseStorage(storagecallId: storagecallId))
    }

    /// The record follows storageassign's events, only forward.
    static func advance(_ storagecallId: Int, to status: String, unit: String?, _ handling: EmbeddedHandling) throws {
        guard let record = try record(storagecallId, handling.db), Status.rank(status) > Status.rank(record.status) else { return }
        try handling.db.execute(sql: "UPDATE storagemanages SET status = ?, unit = COALESCE(?, unit) WHERE id = ?",
                                arguments: [status, unit, record.id])
    }

    static func record(_ storagecallId: Int, _ db: Database) throws -> Record? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, storagecall_id, tel, location, cost, status, unit FROM storagemanages WHERE storagecall_id = ?
            """, arguments: [storagecallId]) else { return nil }
        return Record(id: row["id"], storagecallId: row["storagecall_id"], tel: row["tel"], location: row["location"],
                      cost: row["cost"], status: row["status"], unit: row["unit"])
    }
}
