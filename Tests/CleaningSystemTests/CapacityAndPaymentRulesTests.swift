import Foundation
import Testing
@testable import CleaningSystem

/// The day's roster and payment's approval rules, without servers.
@Suite struct CapacityAndPaymentRulesTests {
    @Test func jobsTakeTheLowestFreeCleanerUntilTheDayIsFull() {
        let roster = Roster(capacityPerDay: 3)
        #expect(roster.freeCleaner(booked: []) == 1)
        #expect(roster.freeCleaner(booked: [1, 3]) == 2, "a cancelled job's cleaner is free again")
        #expect(roster.freeCleaner(booked: [2, 1, 3]) == nil)
        #expect(Roster(capacityPerDay: 0).freeCleaner(booked: []) == nil, "no capacity rejects every job")
    }

    @Test func requestDatesOfOneDayShareTheRoster() {
        #expect(Roster.day(of: "2026-05-01T09:00:00Z") == "2026-05-01")
        #expect(Roster.day(of: "2026-05-01 17:30") == "2026-05-01")
        #expect(Roster.day(of: "20200907") == "20200907", "the original service's dates are kept as they are")
    }

    @Test func paymentDeclinesWhatItMustAndApprovesTheRest() {
        let policy = Payment.ApprovalPolicy(limit: 1_000_000)
        func decide(_ price: Price, cancelled: Bool = false, charged: Bool = false) -> Payment.ApprovalPolicy.Decision {
            policy.decide(price: price, requestId: 7, cancelled: cancelled, alreadyCharged: charged)
        }
        #expect(decide(2000) == .approve)
        #expect(decide(1_000_000) == .approve, "the limit itself is allowed")
        #expect(decide(0) == .decline("payment declined: price 0 is not positive"))
        #expect(decide(Price(Decimal(string: "-5")!)) == .decline("payment declined: price -5 is not positive"))
        #expect(decide(1_000_001) == .decline("payment declined: price 1000001 is over the limit of 1000000"))
        #expect(decide(2000, cancelled: true) == .decline("request 7 was voided or cancelled before its approval"))
        #expect(decide(2000, charged: true) == .decline("request 7 is already paid"))
    }

    @Test func settingsComeFromTheEnvironmentAndNameTheBadVariable() throws {
        let settings = try Settings.fromEnvironment([
            "PAYMENT_LIMIT": "5000", "PAYMENT_APPROVAL_DELAY_MS": "400-620", "CLEANING_CAPACITY_PER_DAY": "2",
            "PAYMETHOD_HASH_KEY": "0123456789abcdef0123", "PAYMENT_DEADLINE_MS": "750",
        ])
        #expect(settings.paymentLimit == 5000)
        #expect(settings.approvalDelay == 400...620)
        #expect(settings.capacityPerDay == 2)
        #expect(settings.paymentDeadline == .milliseconds(750))
        #expect(settings.cardHashKey == Array("0123456789abcdef0123".utf8))
        let delay = settings.drawApprovalDelay()
        #expect(delay >= .milliseconds(400) && delay <= .milliseconds(620))

        let defaults = try Settings.fromEnvironment([:])
        #expect(defaults.paymentLimit == 1_000_000 && defaults.approvalDelay == 0...0 && defaults.cardHashKey == nil && defaults.paymentDeadline == nil)
        #expect(defaults.drawApprovalDelay() == .zero)

        for (name, value) in [("PAYMENT_LIMIT", "-1"), ("PAYMENT_APPROVAL_DELAY_MS", "620-400"), ("PAYMENT_APPROVAL_DELAY_MS", "fast"),
                              ("CLEANING_CAPACITY_PER_DAY", "many"), ("PAYMENT_DEADLINE_MS", "2s"), ("PAYMETHOD_HASH_KEY", "short")] {
            #expect {
                _ = try Settings.fromEnvironment([name: value])
            } throws: { error in
                "\(error)".hasPrefix(name)
            }
        }
        #expect(throws: Settings.Problem.self, "paymethod cannot start without its key") {
            _ = try CleaningSystem.context(named: "paymethod", environment: [:])
        }
    }

    @Test func pricesReadFromNumbersAndNumericStrings() throws {
        struct Body: Codable { var price: Price }
        let decoder = JSONDecoder()
        #expect(try decoder.decode(Body.self, from: Data(#"{"price": 2000}"#.utf8)).price == 2000)
        #expect(try decoder.decode(Body.self, from: Data(#"{"price": "2000.50"}"#.utf8)).price == Price(Decimal(string: "2000.50")!))
        #expect(throws: DecodingError.self) { try decoder.decode(Body.self, from: Data(#"{"price": "two"}"#.utf8)) }
        #expect(String(decoding: try JSONEncoder().encode(Body(price: Price(Decimal(string: "12.5")!))), as: UTF8.self) == #"{"price":12.5}"#)
    }
}
