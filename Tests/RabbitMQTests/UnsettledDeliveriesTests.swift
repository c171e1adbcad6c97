import Testing
@testable import RabbitMQ

/// Which frames acks submitted together become: never a `multiple` ack over a delivery that is
/// still outstanding.
@Suite struct UnsettledDeliveriesTests {
    static func received(_ tags: ClosedRange<UInt64>) -> UnsettledDeliveries {
        var unsettled = UnsettledDeliveries()
        for tag in tags { unsettled.received(tag) }
        return unsettled
    }

    @Test func theOldestDeliveriesTogetherAreOneMultipleAck() {
        var unsettled = Self.received(1...5)
        let acks = unsettled.acks(for: [2, 1, 3])
        #expect(acks.map(\.tag) == [3] && acks.map(\.multiple) == [true])
        #expect(unsettled.count == 2)
    }

    @Test func anOlderOutstandingDeliveryKeepsTheBatchOneByOne() {
        var unsettled = Self.received(1...5)
        let acks = unsettled.acks(for: [3, 4])
        #expect(acks.map(\.tag) == [3, 4] && acks.allSatisfy { !$0.multiple })
        // Once 1 and 2 go, the multiple ack may reach over 3 and 4, which are settled already.
        let rest = unsettled.acks(for: [1, 2, 5])
        #expect(rest.map(\.tag) == [5] && rest.map(\.multiple) == [true])
        #expect(unsettled.count == 0)
    }

    @Test func aSingleAckOfTheOldestAdvancesPastOnesSettledAhead() {
        var unsettled = Self.received(1...4)
        unsettled.settled(2, multiple: false)
        unsettled.settled(3, multiple: false)
        unsettled.settled(1, multiple: false)
        #expect(unsettled.count == 1)
        let acks = unsettled.acks(for: [4])
        #expect(acks.map(\.tag) == [4] && acks.map(\.multiple) == [false])
    }

    @Test func aMultipleSettlementClearsEverythingUpToItsTag() {
        var unsettled = Self.received(1...6)
        unsettled.settled(5, multiple: false)
        unsettled.settled(4, multiple: true)
        #expect(unsettled.count == 1)
        let acks = unsettled.acks(for: [6])
        #expect(acks.map(\.tag) == [6] && acks.map(\.multiple) == [false])
    }

    @Test func anOutstandingDeliveryInsideTheBatchSplitsIt() {
        var unsettled = Self.received(1...5)
        let acks = unsettled.acks(for: [1, 2, 4])
        #expect(acks.map(\.tag) == [2, 4] && acks.map(\.multiple) == [true, false], "3 is outstanding: never covered")
        #expect(unsettled.count == 2)
    }

    @Test func tagsItNeverSawAreAckedAsAsked() {
        var unsettled = Self.received(10...11)
        let acks = unsettled.acks(for: [3, 10, 12])
        #expect(acks.map(\.tag) == [10, 3, 12] && acks.allSatisfy { !$0.multiple })
        #expect(unsettled.count == 1)
    }

    @Test func aTagSettledTwiceLeavesNothingBehind() {
        var unsettled = Self.received(1...3)
        unsettled.settled(2, multiple: false)
        let acks = unsettled.acks(for: [1, 2])
        #expect(acks.map(\.tag) == [2] && acks.map(\.multiple) == [true])
        #expect(unsettled.count == 1)
    }

    /// A delivery stuck in a slow lane while the others go on: only the outstanding are kept.
    @Test func aStuckDeliveryDoesNotGrowTheStateWithTheOnesAfterIt() {
        var unsettled = UnsettledDeliveries()
        for tag in UInt64(1)...20_000 {
            unsettled.received(tag)
            if tag > 1 { _ = unsettled.acks(for: [tag]) }
        }
        #expect(unsettled.count == 1)
        #expect(unsettled.stored <= UnsettledDeliveries.compactAbove * 2 + 2, "stored \(unsettled.stored) tags")
        let acks = unsettled.acks(for: [1])
        #expect(acks.map(\.tag) == [1] && acks.map(\.multiple) == [false])
        #expect(unsettled.count == 0 && unsettled.stored == 0)
    }

    @Test func longRunsCompactWithoutLosingTheOutstanding() {
        var unsettled = UnsettledDeliveries()
        for tag in UInt64(1)...5000 { unsettled.received(tag) }
        for tag in UInt64(2)...4000 { unsettled.settled(tag, multiple: false) }
        #expect(unsettled.count == 1001)
        let acks = unsettled.acks(for: [1])
        #expect(acks.map(\.tag) == [1] && acks.map(\.multiple) == [false])
        #expect(unsettled.count == 1000)
        let rest = unsettled.acks(for: Array(4001...5000))
        #expect(rest.map(\.tag) == [5000] && rest.map(\.multiple) == [true])
        #expect(unsettled.count == 0)
    }
}
