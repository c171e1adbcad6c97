/// Open channels indexed by channel number (1...65535), without hashing.
struct ChannelTable {
    private var slots: [ChannelState?] = Array(repeating: nil, count: 2048)

    subscript(number: UInt16) -> ChannelState? {
        get { Int(number) < slots.count ? slots[Int(number)] : nil }
        set {
            if Int(number) >= slots.count { slots += Array(repeating: nil, count: Int(number) + 1 - slots.count) }
            slots[Int(number)] = newValue
        }
    }

    var all: [ChannelState] { slots.compactMap { $0 } }
}
