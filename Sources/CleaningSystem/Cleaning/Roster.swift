import Foundation

/// Who cleans on a day: cleaners are numbered 1...capacity, and a job takes the lowest free one.
struct Roster: Sendable, Hashable {
    let capacityPerDay: Int

    /// The cleaner for a new job when `booked` are taken that day, or nil when all are.
    func freeCleaner(booked: some Sequence<Int>) -> Int? {
        guard capacityPerDay > 0 else { return nil }
        let booked = Set(booked)
        return (1...capacityPerDay).first { !booked.contains($0) }
    }

    /// The day a request date falls on: `2024-05-01T10:00:00Z` and `2024-05-01` share a day;
    /// other spellings (the original's `20200907`) are taken as they are.
    static func day(of requestDate: String) -> String {
        let trimmed = requestDate.trimmingCharacters(in: .whitespaces)
        if let separator = trimmed.firstIndex(where: { $0 == "T" || $0 == " " }) { return String(trimmed[..<separator]) }
        return trimmed
    }

    func rejectionReason(day: String) -> String {
        capacityPerDay == 0
            ? "no cleaner works on \(day)"
            : "no cleaner free on \(day): all \(capacityPerDay) are booked"
    }
}
