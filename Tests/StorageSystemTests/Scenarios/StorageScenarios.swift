import Foundation
import Testing
import Warren
import WarrenTesting
@testable import StorageSystem

/// The original's demonstrations against real servers (issue 21), without the Python customer
/// worker: what storagecall, storagemanage (SQLite) and storageassign show.
@Suite struct StorageScenarios {
    @Test func aCallIsConfirmedEndToEndWithItsKoreanStatusIntact() async throws {
        try await StorageFleet.with { fleet in
            let outcome = try await fleet.call()
            let id = try outcome.createdId()
            #expect(id == 1, "the first call is /storagecalls/1, as the original's commands expect")
            #expect(outcome.resource?["status"] == .string("호출"), "stored with the client's word: \(String(describing: outcome.resource))")
            #expect(outcome.resource?["location"] == .string("마포"))
            try await fleet.eventually("the call is confirmed") { try await fleet.status(of: id) == "호출확정" }
            #expect(try await fleet.units()["M-101"] == id)
            try await fleet.eventually("storagemanage's record follows") { try await fleet.manageStatus(of: id) == "호출확정" }
        }
    }

    @Test func storagemanageStoppedRefusesCallsAt503AndAcceptsThemOnceRestarted() async throws {
        try await StorageFleet.with(running: ["storageassign", "storagecall"]) { fleet in
            let refused = try await fleet.call()
            #expect(refused.refusal?.kind == .unavailable, "storagemanage is down: \(refused)")
            #expect(try await fleet.count("storagecall.storagecalls") == 0, "nothing is stored for a refused call")
            try await fleet.start("storagemanage")
            let accepted = try await fleet.call()
            let id = try accepted.createdId()
            try await fleet.eventually("the accepted call is confirmed") { try await fleet.status(of: id) == "호출확정" }
        }
    }

    @Test func storageassignStoppedCallsAreAcceptedStayWaitingAndAreConfirmedAfterItsRestart() async throws {
        try await StorageFleet.with(running: ["storagemanage", "storagecall"]) { fleet in
            var ids: [Int] = []
            for _ in 0..<2 { ids.append(try await fleet.call().createdId()) }
            for id in ids {
                try await fleet.eventually("call \(id) waits for a unit") { try await fleet.status(of: id) == "호출중" }
            }
            try await fleet.start("storageassign")
            for id in ids {
                try await fleet.eventually("call \(id) is confirmed after storageassign's restart") { try await fleet.status(of: id) == "호출확정" }
            }
            #expect(Set(try await fleet.units().filter { $0.value != 0 }.values) == Set(ids))
        }
    }

    @Test func aCancellationFreesTheUnitOnceAndTheNextCallGetsIt() async throws {
        try await StorageFleet.with(settings: Settings().with { $0.units = UnitList(byLocation: ["마포": ["M-101"]]) }) { fleet in
            let first = try await fleet.call().createdId()
            try await fleet.eventually("the first call is confirmed") { try await fleet.status(of: first) == "호출확정" }
            let cancelled = try await fleet.cancel(first)
            #expect(cancelled.result == .done && cancelled.resource?["status"] == .string("호출취소"), "\(cancelled)")
            let again = try await fleet.cancel(first)
            #expect(again.result == .done, "a second cancellation changes nothing: \(again)")
            try await fleet.eventually("the unit is free again") { try await fleet.units()["M-101"] == 0 }
            #expect(try await fleet.count("storageassign.storageassigns WHERE status = '호출취소'") == 1)
            let second = try await fleet.call().createdId()
            try await fleet.eventually("the next call gets the freed unit") { try await fleet.status(of: second) == "호출확정" }
            #expect(try await fleet.units()["M-101"] == second)
            #expect(try await fleet.cancel(99).refusal?.kind == .notFound)
        }
    }

    @Test func noFreeUnitCancelsTheCallWithTheReason() async throws {
        try await StorageFleet.with(settings: Settings().with { $0.units = UnitList(byLocation: ["마포": ["M-101"]]) }) { fleet in
            let first = try await fleet.call().createdId()
            try await fleet.eventually("the first call is confirmed") { try await fleet.status(of: first) == "호출확정" }
            let second = try await fleet.call().createdId()
            try await fleet.eventually("the second call is cancelled: no unit left") { try await fleet.status(of: second) == "호출취소" }
            #expect(try await fleet.cancelReason(of: second) == "no unit assigned: no free storage unit at 마포")
            let elsewhere = try await fleet.call(location: "부산").createdId()
            try await fleet.eventually("a location without units cancels too") { try await fleet.status(of: elsewhere) == "호출취소" }
            try await fleet.eventually("storagemanage records the cancellation") { try await fleet.manageStatus(of: second) == "호출취소" }
            #expect(try await fleet.status(of: first) == "호출확정")
        }
    }

    /// storagemanage as `warren worker storage/storagemanage`, SIGKILLed by its fail point right
    /// after its third commit (before publishing and acking), then restarted on the same file.
    @Test func storagemanageKilledMidStreamLosesAndDoublesNothing() async throws {
        let units = UnitList(byLocation: ["마포": (101...112).map { "M-\($0)" }])
        try await StorageFleet.with(running: ["storageassign", "storagecall"], settings: Settings().with { $0.units = units }) { fleet in
            let crashing = try await fleet.spawnManage(["WARREN_FAILPOINT": "after-commit:3"])
            try await fleet.eventually("storagemanage consumes") { try await fleet.harness.messageCount("storagemanage.rpc") == 0 }
            var outcomes: [Outcome] = []
            for index in 0..<6 {
                outcomes.append(try await fleet.call(tel: "0101234567\(index)"))
                if !crashing.isRunning, index >= 2 { break }
            }
            crashing.waitUntilExit()
            #expect(crashing.terminationReason == .uncaughtSignal, "the fail point killed storagemanage")
            let restarted = try await fleet.spawnManage()
            defer { restarted.terminate(); restarted.waitUntilExit() }
            for index in 0..<3 { outcomes.append(try await fleet.call(tel: "0109999999\(index)")) }
            let accepted = try outcomes.filter { $0.result == .created }.map { try $0.createdId() }
            #expect(accepted.count >= 3, "calls after the restart are accepted: \(outcomes)")
            for id in accepted {
                try await fleet.eventually("call \(id) is confirmed") { try await fleet.status(of: id) == "호출확정" }
            }
            // Each accepted call holds exactly one unit; a call refused meanwhile holds none for long.
            try await fleet.eventually("every unit is held by an accepted call, once") {
                let held = try await fleet.units().values.filter { $0 != 0 }
                return Set(held) == Set(accepted) && held.count == accepted.count
            }
            try await fleet.eventually("storagemanage's records agree") {
                try await fleet.readManage { db in
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM storagemanages WHERE status = '호출확정'") ?? -1
                } == accepted.count
            }
            let duplicates = try await fleet.readManage { db in
                try Int.fetchOne(db, sql: "SELECT count(*) - count(DISTINCT storagecall_id) FROM storagemanages") ?? -1
            }
            #expect(duplicates == 0)
        }
    }

    @Test func duplicatedAndShuffledEventsEndInTheSameStatus() async throws {
        try await StorageFleet.with(running: ["storagemanage", "storagecall"]) { fleet in
            let id = try await fleet.call().createdId()
            try await fleet.eventually("the call waits") { try await fleet.status(of: id) == "호출중" }
            let assigned = StorageAssign.StorageAssigned(assignmentId: 7, storagecallId: id, location: "마포", unit: "M-101", status: "호출확정")
            let requested = StorageManage.AssignmentRequested(manageId: 1, storagecallId: id, location: "마포", status: "호출중")
            // Assigned (twice, same id), then the request's event again, late and under a new id.
            try await fleet.harness.publish(assigned, envelope: Envelope(messageId: "assigned-1", type: StorageAssign.StorageAssigned.type))
            try await fleet.harness.publish(assigned, envelope: Envelope(messageId: "assigned-1", type: StorageAssign.StorageAssigned.type))
            try await fleet.harness.publish(requested, envelope: Envelope(messageId: "requested-late", type: StorageManage.AssignmentRequested.type))
            try await fleet.eventually("every event is consumed") { try await fleet.harness.messageCount("storagecall.assignment-events") == 0 }
            try await fleet.eventually("the call is confirmed") { try await fleet.status(of: id) == "호출확정" }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await fleet.status(of: id) == "호출확정", "a late event must not move the status back")
        }
    }
}
