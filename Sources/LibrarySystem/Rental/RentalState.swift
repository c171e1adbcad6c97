/// A rental's state, named as the original service's `reqState`, and the moves between them:
/// `reserve` → `rental` → `return`, `reserve` → `cancel`, `reserve` → `kioskrental` →
/// `kioskreturn`. A pure value: the handler asks it what a requested move means.
enum RentalState: String, CaseIterable, Codable, Sendable, Hashable {
    case reserve, rental, `return`, cancel, kioskrental, kioskreturn

    /// The states this one may move to, in the order the messages name them.
    var allowedMoves: [RentalState] {
        switch self {
        case .reserve: [.rental, .cancel, .kioskrental]
        case .rental: [.return]
        case .kioskrental: [.kioskreturn]
        case .return, .cancel, .kioskreturn: []
        }
    }

    /// The state a client names (`"kioskrental"`, `" Cancel "`); nil for any other text.
    init?(requested text: String) {
        self.init(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// What a request to move to `requested` means from this state.
    func move(to requested: RentalState) -> Move {
        if requested == self { return .alreadyThere }
        return allowedMoves.contains(requested) ? .allowed(requested) : .refused(allowed: allowedMoves)
    }

    enum Move: Equatable, Sendable {
        /// The move is made (and announced).
        case allowed(RentalState)
        /// The rental is already in the requested state: nothing changes (a retried PATCH).
        case alreadyThere
        /// The state machine has no such move; the refusal names the moves it has.
        case refused(allowed: [RentalState])
    }

    /// The 409's reason: the current state and the moves allowed from it.
    func refusal(of requested: RentalState, rentalId: Int) -> String {
        let allowed = allowedMoves.map { "`\($0.rawValue)`" }
        let moves = switch allowed.count {
        case 0: "it is final, no move is allowed from it"
        case 1: "the only move allowed from it is to \(allowed[0])"
        default: "the moves allowed from it are to \(allowed.dropLast().joined(separator: ", ")) or \(allowed.last!)"
        }
        return "rental \(rentalId) is `\(rawValue)`: it cannot move to `\(requested.rawValue)`; \(moves)"
    }

    /// The 400's reason for a `reqState` that names no state.
    static func unknown(_ text: String) -> String {
        let names = allCases.filter { $0 != .reserve }.map { "`\($0.rawValue)`" }.joined(separator: ", ")
        return "`reqState` must be one of \(names), got `\(text)`"
    }
}
