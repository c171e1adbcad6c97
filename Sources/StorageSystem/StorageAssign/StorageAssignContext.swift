import Postgres
import Warren

extension StorageAssign {
    static let migrations = [
        Migration(1, "units and assignments", """
            CREATE TABLE units (unit text PRIMARY KEY, location text NOT NULL, storagecall_id bigint UNIQUE);
            CREATE TABLE storageassigns (
                id bigserial PRIMARY KEY,
                storagecall_id bigint NOT NULL UNIQUE,
                location text NOT NULL,
                unit text NOT NULL,
                status text NOT NULL
            );
            -- What became of every call asked about, so each is decided once: failed or released.
            CREATE TABLE failures (storagecall_id bigint PRIMARY KEY, location text NOT NULL, reason text NOT NULL);
            CREATE TABLE releases (storagecall_id bigint PRIMARY KEY)
            """),
    ]

    /// The storageassign worker: `warren worker storage/storageassign`.
    static func context(settings: Settings) -> BoundedContext {
        var context = BoundedContext("storageassign", system: StorageSystem.name, migrations: migrations)
        context.on(AssignStorage.self) { assign, handling in
            try await self.assign(assign, units: settings.units.units(at: assign.location), handling)
        }
        context.on(ReleaseStorage.self) { release, handling in
            try await self.release(release.storagecallId, handling)
        }
        return context
    }

    /// Assigns the first free unit at the location, once per call; none free, or none there,
    /// is `StorageAssignFailed` (the call is then cancelled). A call released before is skipped.
    static func assign(_ assign: AssignStorage, units configured: [String], _ handling: Handling) async throws {
        let db = handling.database
        let id = assign.storagecallId
        // One decision per call at a time (the queue's ordering key keeps a call on one lane).
        try await db.execute("SELECT pg_advisory_xact_lock(hashtext('storageassign.call'), \(id)::int)", prepared: true)
        if try await !db.query("SELECT 1 FROM storageassigns WHERE storagecall_id = \(id)", prepared: true).isEmpty { return }
        if try await !db.query("SELECT 1 FROM failures WHERE storagecall_id = \(id)", prepared: true).isEmpty { return }
        if try await !db.query("SELECT 1 FROM releases WHERE storagecall_id = \(id)", prepared: true).isEmpty {
            handling.logger.info("assignment skipped: the call was released first", metadata: ["storagecall.id": "\(id)"])
            return
        }
        // The location's configured units, in one statement (one per unit cost 30 statements a
        // saga at e2e's 30 units per location: bench/saga-bill --system storage).
        try await db.execute("""
            INSERT INTO units (unit, location) SELECT unnest(\(PostgresTextArray(configured))::text[]), \(assign.location)
            ON CONFLICT DO NOTHING
            """, prepared: true)
        let free = try await db.query("""
            SELECT unit FROM units WHERE location = \(assign.location) AND storagecall_id IS NULL ORDER BY unit LIMIT 1 FOR UPDATE
            """, prepared: true)
        guard let unit: String = try free.first?.decode(at: 0) else {
            let reason = configured.isEmpty ? "no storage units at \(assign.location)" : "no free storage unit at \(assign.location)"
            try await db.execute("INSERT INTO failures (storagecall_id, location, reason) VALUES (\(id), \(assign.location), \(reason))",
                                 prepared: true)
            try handling.publish(StorageAssignFailed(storagecallId: id, location: assign.location, reason: reason))
            handling.logger.info("assignment failed", metadata: ["storagecall.id": "\(id)", "reason": "\(reason)"])
            return
        }
        try await db.execute("UPDATE units SET storagecall_id = \(id) WHERE unit = \(unit)", prepared: true)
        let assignmentId: Int = try await db.query("""
            INSERT INTO storageassigns (storagecall_id, location, unit, status) VALUES (\(id), \(assign.location), \(unit), \(Status.confirmed))
            RETURNING id
            """, prepared: true)[0].decode(at: 0)
        try handling.publish(StorageAssigned(assignmentId: assignmentId, storagecallId: id, location: assign.location, unit: unit,
                                             status: Status.confirmed))
    }

    /// Frees the call's unit, once; a release before the assignment is remembered, so the
    /// assignment that follows is skipped.
    static func release(_ id: Int, _ handling: Handling) async throws {
        let db = handling.database
        try await db.execute("SELECT pg_advisory_xact_lock(hashtext('storageassign.call'), \(id)::int)", prepared: true)
        guard try await db.execute("INSERT INTO releases (storagecall_id) VALUES (\(id)) ON CONFLICT DO NOTHING", prepared: true) == 1
        else { return }
        let rows = try await db.query("""
            UPDATE storageassigns SET status = \(Status.cancelled) WHERE storagecall_id = \(id) AND status = \(Status.confirmed)
            RETURNING id, location, unit
            """, prepared: true)
        guard let row = rows.first else { return }
        let (assignmentId, location, unit): (Int, String, String) = (try row.decode(at: 0), try row.decode(at: 1), try row.decode(at: 2))
        try await db.execute("UPDATE units SET storagecall_id = NULL WHERE unit = \(unit) AND storagecall_id = \(id)", prepared: true)
        try handling.publish(StorageReleased(assignmentId: assignmentId, storagecallId: id, location: location, unit: unit))
    }
}
