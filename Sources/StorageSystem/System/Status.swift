/// A storage call's status, in the original's Korean words, kept intact as UTF-8 everywhere.
/// A call's status only moves forward (`rank`), so its events change it in any order.
enum Status {
    /// Requested: the client's word (`status=호출`), stored as sent.
    static let called = "호출"
    /// Waiting for a unit: storagemanage took the call.
    static let waiting = "호출중"
    /// A unit is assigned.
    static let confirmed = "호출확정"
    /// Cancelled by the customer, or no unit was free (the compensation).
    static let cancelled = "호출취소"

    /// 호출 (or any word the client sent) 0, 호출중 1, 호출확정 2, 호출취소 3.
    static func rank(_ status: String) -> Int {
        switch status {
        case waiting: 1
        case confirmed: 2
        case cancelled: 3
        default: 0
        }
    }
}
