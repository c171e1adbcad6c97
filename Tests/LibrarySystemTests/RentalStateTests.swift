import Testing
@testable import LibrarySystem

/// The rental state machine of the original service, move by move.
@Suite struct RentalStateTests {
    /// Every move the original allows; every other pair of distinct states is refused.
    static let allowed: Set<[RentalState]> = [
        [.reserve, .rental], [.rental, .return],
        [.reserve, .cancel],
        [.reserve, .kioskrental], [.kioskrental, .kioskreturn],
    ]

    @Test(arguments: RentalState.allCases)
    func everyMoveFromAStateIsAllowedOrRefusedAsTheOriginalSays(from: RentalState) {
        for to in RentalState.allCases {
            let move = from.move(to: to)
            if from == to {
                #expect(move == .alreadyThere, "\(from) → \(to)")
            } else if Self.allowed.contains([from, to]) {
                #expect(move == .allowed(to), "\(from) → \(to) is allowed")
            } else {
                #expect(move == .refused(allowed: from.allowedMoves), "\(from) → \(to) is refused")
            }
        }
    }

    @Test func theRefusalNamesTheCurrentStateAndTheAllowedMoves() {
        #expect(RentalState.reserve.refusal(of: .return, rentalId: 7)
                == "rental 7 is `reserve`: it cannot move to `return`; the moves allowed from it are to `rental`, `cancel` or `kioskrental`")
        #expect(RentalState.rental.refusal(of: .cancel, rentalId: 7)
                == "rental 7 is `rental`: it cannot move to `cancel`; the only move allowed from it is to `return`")
        #expect(RentalState.kioskrental.refusal(of: .return, rentalId: 7)
                == "rental 7 is `kioskrental`: it cannot move to `return`; the only move allowed from it is to `kioskreturn`")
        for final in [RentalState.return, .cancel, .kioskreturn] {
            #expect(final.allowedMoves.isEmpty)
            #expect(final.refusal(of: .rental, rentalId: 7).hasSuffix("it is final, no move is allowed from it"), "\(final)")
        }
    }

    @Test func aRequestedStateIsReadAsTheClientTypedIt() {
        #expect(RentalState(requested: "kioskrental") == .kioskrental)
        #expect(RentalState(requested: " Cancel ") == .cancel)
        #expect(RentalState(requested: "return") == .return)
        for unknown in ["", "rent", "returned", "kiosk rental", "cancelled"] {
            #expect(RentalState(requested: unknown) == nil, "`\(unknown)` names no state")
        }
        #expect(RentalState.unknown("rent")
                == "`reqState` must be one of `rental`, `return`, `cancel`, `kioskrental`, `kioskreturn`, got `rent`")
    }

    @Test func theBookFollowsItsRental() {
        #expect(RentalState.allCases.map(Book.bookStatus(after:)) == ["reserved", "rented", "returned", "available", "rented", "returned"])
    }
}
