import Postgres
import Warren

extension StorageCall {
    static let migrations = [
        // The view (`cancel_reason` beside it for the operator and the customer).
        Migration(1, "storagecalls", """
            CREATE TABLE storagecalls (
                id bigint PRIMARY KEY,
                tel text NOT NULL,
                location text NOT NULL,
                status text NOT NULL,
                cost bigint NOT NULL,
                cancel_reason text
            )
            """),
    ]

    /// The storagecall worker: `warren worker storage/storagecall`.
    static func context(settings: Settings) -> BoundedContext {
        var context = BoundedContext("storagecall", system: StorageSystem.name, migrations: migrations)
        context.on(CallStorage.self, before: { request, calls in
            try await askStorageManage(request, deadline: settings.manageDeadline, calls)
        }) { request, answer, handling in
            try await call(request, answer, handling)
        }
        context.on(CancelStorageCall.self) { cancel, handling in
            handling.respond(try await self.cancel(cancel.id, reason: Cause.customer, handling))
        }
        context.on(StorageManage.AssignmentRequested.self) { requested, handling in
            try await advance(requested.storagecallId, to: Status.waiting, handling)
        }
        context.on(StorageAssign.StorageAssigned.self) { assigned, handling in
            try await advance(assigned.storagecallId, to: Status.confirmed, handling)
        }
        context.on(StorageAssign.StorageAssignFailed.self) { failed, handling in
            // The compensation: no unit, the call ends cancelled with the reason, the customer is told.
            guard try await Calls(database: handling.database).lock(failed.storagecallId) != nil else {
                try notYetStored(failed.storagecallId, handling)
                return
            }
            _ = try await cancel(failed.storagecallId, reason: Cause.noUnit(failed.reason), handling)
        }
        return context
    }

    /// storagemanage's answer, obtained before the delivery's transaction opens.
    struct ManageAnswer: Sendable {
        enum Verdict: Sendable {
            case invalid(reason: String)
            case accepted
            case refused(reason: String)
            case unavailable(reason: String)
        }
        var id: Int
        var verdict: Verdict
    }

    /// Checks the call, claims its id (1, 2, 3…, the same for every delivery of this request:
    /// the original's `/storagecalls/1`) and asks storagemanage to take it.
    static func askStorageManage(_ request: CallStorage, deadline: Duration?, _ calls: Warren.Calls) async throws -> ManageAnswer {
        let tel = request.tel.trimmingCharacters(in: .whitespaces)
        let location = request.location.trimmingCharacters(in: .whitespaces)
        guard !tel.isEmpty else { return ManageAnswer(id: 0, verdict: .invalid(reason: "`tel` must be a phone number, got an empty one")) }
        guard !location.isEmpty else { return ManageAnswer(id: 0, verdict: .invalid(reason: "`location` must name a place, got an empty one")) }
        guard request.cost >= 0 else { return ManageAnswer(id: 0, verdict: .invalid(reason: "`cost` must not be negative, got \(request.cost)")) }
        let id = try await calls.claimId("storagecalls")
        let verdict: ManageAnswer.Verdict = switch await calls.result(
            of: StorageManage.RequestAssignment(storagecallId: id, tel: tel, location: location, cost: request.cost), deadline: deadline) {
        case .success(let reply) where reply.accepted: .accepted
        case .success(let reply): .refused(reason: reply.reason ?? "storagemanage refused the call")
        case .failure(let error): .unavailable(reason: error.reasonForClient)
        }
        return ManageAnswer(id: id, verdict: verdict)
    }

    /// Taken: the call is stored with the status the client sent and announced (201).
    /// storagemanage unavailable (down, slow, circuit open): nothing is stored (503); after a
    /// timeout the runtime has already sent `DropAssignmentRequest`.
    static func call(_ request: CallStorage, _ answer: ManageAnswer, _ handling: Handling) async throws {
        switch answer.verdict {
        case .invalid(let reason):
            handling.respond(.refused(.invalid, reason))
        case .refused(let reason):
            handling.respond(.refused(.conflict, reason))
        case .unavailable(let reason):
            handling.logger.warning("call refused: storagemanage unavailable", metadata: ["storagecall.id": "\(answer.id)"])
            handling.respond(.refused(.unavailable, reason))
        case .accepted:
            let status = request.status?.trimmingCharacters(in: .whitespaces).isEmpty == false ? request.status! : Status.called
            let record = Record(id: answer.id, tel: request.tel.trimmingCharacters(in: .whitespaces),
                                location: request.location.trimmingCharacters(in: .whitespaces), status: status, cost: request.cost)
            guard try await Calls(database: handling.database).insert(record) else {
                handling.respond(.refused(.conflict, "storage call id \(record.id) is taken: send the request again with another message id"))
                return
            }
            try handling.publish(StorageCalled(storagecallId: record.id, tel: record.tel, location: record.location, cost: record.cost,
                                               status: record.status))
            handling.respond(try .created(id: record.id, record))
        }
    }

    /// Cancels a call once and announces it (storagemanage frees its unit): 404 for an unknown
    /// call, 200 with the call otherwise (also when it was cancelled before).
    static func cancel(_ id: Int, reason: String, _ handling: Handling) async throws -> Outcome {
        let calls = Calls(database: handling.database)
        guard var record = try await calls.lock(id) else { return .refused(.notFound, "no storage call \(id)") }
        guard record.status != Status.cancelled else { return try .done(record) }
        try await calls.setStatus(Status.cancelled, id: id, reason: reason)
        record.status = Status.cancelled
        try handling.publish(StorageCallCancelled(storagecallId: id, tel: record.tel, location: record.location, reason: reason))
        return try .done(record)
    }

    /// The status follows the assignment, only forward (events may come in any order).
    static func advance(_ id: Int, to status: String, _ handling: Handling) async throws {
        let calls = Calls(database: handling.database)
        guard let record = try await calls.lock(id) else {
            try notYetStored(id, handling)
            return
        }
        guard Status.rank(status) > Status.rank(record.status) else { return }
        try await calls.setStatus(status, id: id, reason: nil)
    }

    /// An event about a call this context has not stored: storagemanage took it, and its
    /// events can overtake the commit of the call. Retried a few times (the delivery's
    /// attempts); after that the call was never stored (its request failed here) and the
    /// event has nothing to change.
    static func notYetStored(_ id: Int, _ handling: Handling) throws {
        guard handling.envelope.attempt >= 3 else { throw CallNotStoredYet(id: id) }
        handling.logger.warning("event about a call never stored; nothing to change", metadata: ["storagecall.id": "\(id)"])
    }

    struct CallNotStoredYet: Error, CustomStringConvertible {
        let id: Int
        var description: String { "storage call \(id) is not stored yet; retrying" }
    }
}

extension RPCError {
    /// The sentence a client reads in its 503.
    var reasonForClient: String {
        switch self {
        case .timedOut(let target, let after):
            "\(target) did not answer within \(after); the request is dropped: try again later"
        case .unavailable(let target, let reason):
            "\(target) is unavailable (\(reason)): try again later"
        case .rejected(let target, let reason):
            "\(target) could not handle the request: \(reason)"
        case .undecodableReply(let target, let reason):
            "\(target) answered with an unreadable reply (\(reason)): try again later"
        }
    }
}
