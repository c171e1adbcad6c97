/// The delivery tags a channel handed to its manual-ack consumers and has not settled yet,
/// oldest first. It lets acks submitted together go as one `multiple` ack when no older
/// delivery of the channel is still outstanding: on a quorum queue every ack frame is a Raft
/// command, so a worker lane that commits its deliveries together also acks them together.
/// Lives on the connection thread, in the channel's state.
struct UnsettledDeliveries {
    /// Ascending: the broker numbers a channel's deliveries in order. Entries before `head`
    /// are settled and dropped in bulk now and then.
    private var tags: [UInt64] = []
    private var head = 0
    /// Settled while an older delivery was still outstanding.
    private var settledAhead: Set<UInt64> = []

    /// The outstanding deliveries.
    var count: Int { tags.count - head - settledAhead.count }
    /// Tags held, outstanding or not: what the state costs.
    var stored: Int { tags.count - head + settledAhead.count }

    mutating func received(_ tag: UInt64) {
        tags.append(tag)
    }

    /// A settlement sent as it was asked for (ack, nack or reject, single or `multiple`).
    mutating func settled(_ tag: UInt64, multiple: Bool) {
        guard let first = oldest, tag >= first else { return }
        if multiple {
            while let front = oldest, front <= tag { head += 1 }
            settledAhead = settledAhead.filter { $0 > tag }
        } else if tag == first {
            head += 1
        } else if tag <= tags[tags.count - 1] {
            settledAhead.insert(tag)
        }
        dropSettledFront()
    }

    /// Settles `batch` and returns the acks that do it: the tags of the batch that leave no
    /// older delivery outstanding in one ack (`multiple` when it covers more than one), each
    /// other tag on its own.
    mutating func acks(for batch: [UInt64]) -> [(tag: UInt64, multiple: Bool)] {
        var members = Set(batch)
        var covered: UInt64?
        var coveredCount = 0
        while head < tags.count {
            let tag = tags[head]
            if members.remove(tag) != nil {
                settledAhead.remove(tag)
                covered = tag
                coveredCount += 1
            } else if settledAhead.remove(tag) == nil {
                break
            }
            head += 1
        }
        var acks: [(tag: UInt64, multiple: Bool)] = []
        if let covered { acks.append((covered, coveredCount > 1)) }
        for tag in batch where members.remove(tag) != nil {
            acks.append((tag, false))
            if let oldest, tag > oldest, tag <= tags[tags.count - 1] { settledAhead.insert(tag) }
        }
        dropSettledFront()
        return acks
    }

    private var oldest: UInt64? { head < tags.count ? tags[head] : nil }

    /// Moves past settled-ahead tags that are now the oldest, and compacts the storage. While
    /// one delivery stays outstanding (a slow handler in another lane) the ones after it are
    /// settled ahead; past `compactAbove` of them only the outstanding ones are kept, which the
    /// broker's prefetch bounds.
    private mutating func dropSettledFront() {
        while let front = oldest, settledAhead.remove(front) != nil { head += 1 }
        if head == tags.count {
            tags.removeAll(keepingCapacity: true)
            head = 0
            settledAhead.removeAll()
        } else if settledAhead.count > Self.compactAbove {
            tags = tags[head...].filter { !settledAhead.contains($0) }
            head = 0
            settledAhead.removeAll()
        } else if head >= Self.compactAbove, head * 2 >= tags.count {
            tags.removeFirst(head)
            head = 0
        }
    }

    static let compactAbove = 1024
}
