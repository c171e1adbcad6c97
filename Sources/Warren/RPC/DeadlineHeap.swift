/// The deadlines of the calls in flight, earliest first: one watching task ends every call
/// whose deadline passed, where a sleeping timer task per call (a `dispatch_after` each)
/// took a tenth of a busy caller's CPU.
///
/// A call that got its reply stays here until its deadline, when answering its slot again
/// does nothing; its slot no longer holds the reply by then (`ReplySlot.wait` took it).
struct DeadlineHeap {
    private var entries: [(at: ContinuousClock.Instant, slot: ReplySlot)] = []

    var isEmpty: Bool { entries.isEmpty }
    var earliest: ContinuousClock.Instant? { entries.first?.at }

    mutating func insert(_ slot: ReplySlot, at deadline: ContinuousClock.Instant) {
        entries.append((deadline, slot))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].at < entries[parent].at else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the slots whose deadline is at or before `now`.
    mutating func removeDue(now: ContinuousClock.Instant) -> [ReplySlot] {
        var due: [ReplySlot] = []
        while let first = entries.first, first.at <= now {
            due.append(first.slot)
            removeFirst()
        }
        return due
    }

    mutating func removeAll() { entries.removeAll() }

    private mutating func removeFirst() {
        entries.swapAt(0, entries.count - 1)
        entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count && entries[left].at < entries[smallest].at { smallest = left }
            if right < entries.count && entries[right].at < entries[smallest].at { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
