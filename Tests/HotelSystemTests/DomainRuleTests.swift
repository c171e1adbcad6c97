import Testing
@testable import HotelSystem

/// The rules that need no server: card masking, the operator's decisions, the settings.
@Suite struct DomainRuleTests {
    @Test func aCardNumberIsNeverShownWhole() throws {
        let real = try #require(CardNumber(digitsOf: "4111 1111-1111 1111"))
        #expect(real.masked == "************1111")
        #expect("\(real)" == real.masked && String(reflecting: real) == "CardNumber(************1111)")
        #expect(CardNumber(digitsOf: "111")?.masked == "**1", "the original's test number shows its last digit only")
        #expect(CardNumber(digitsOf: "7")?.masked == "*")
        for bad in ["", "abc", "12a4", String(repeating: "1", count: 20)] { #expect(CardNumber(digitsOf: bad) == nil, "\(bad)") }
    }

    @Test func theOperatorConfirmsOrCancelsOnlyACompletedReservation() {
        typealias D = ConfirmationDecision
        #expect(D.Verb("Confirmed") == .confirm && D.Verb(" canceled ") == .cancel && D.Verb("Cancelled") == .cancel)
        #expect(D.Verb("Maybe") == nil)
        #expect(D.decide(.confirm, current: nil, orderId: 1) == .refused(
            "order 1 has no completed reservation here (yet): only a paid and reserved booking can be confirmed or cancelled"))
        #expect(D.decide(.confirm, current: "Reservation Complete", orderId: 1) == .move(to: "Confirmed"))
        #expect(D.decide(.cancel, current: "Reservation Complete", orderId: 1) == .move(to: "Canceled"))
        #expect(D.decide(.confirm, current: "Confirmed", orderId: 1) == .alreadyThere)
        #expect(D.decide(.cancel, current: "Confirmed", orderId: 1) == .move(to: "Canceled"), "a confirmed booking may still be refused")
        #expect(D.decide(.confirm, current: "Canceled", orderId: 1) == .refused("order 1's reservation was cancelled by the hotel: it cannot be confirmed"))
        #expect(D.decide(.cancel, current: "Canceled", orderId: 1) == .alreadyThere)
        #expect(D.decide(.confirm, current: "Reservation Canceled", orderId: 1) == .refused("order 1's reservation was cancelled by its customer"))
    }

    @Test func onlyACancellationChangesABooking() {
        for text in ["cancel", " Cancel ", "canceled", "CANCELLED", "OrderCanceled"] { #expect(Order.isCancellation(text), "\(text)") }
        for text in ["Ordered", "confirm", ""] { #expect(!Order.isCancellation(text), "\(text)") }
    }

    @Test func theSettingsComeFromTheEnvironmentAndABadValueNamesItsVariable() throws {
        #expect(Settings().paymentLatency == 0...0 && Settings.draw(Settings().paymentLatency) == .zero)
        let original = try Settings.fromEnvironment(["PAYMENT_LATENCY_MS": "400-620", "ORDER_PAYMENT_DEADLINE_MS": "250",
                                                     "PAYMENT_DECLINED_CARDS": "4000 0000 0000 0002, 5"])
        #expect(original.paymentLatency == 400...620 && original.paymentDeadline == .milliseconds(250))
        #expect(original.declinedCards == ["4000000000000002", "5"])
        for _ in 0..<20 {
            let drawn = Settings.draw(original.paymentLatency)
            #expect(drawn >= .milliseconds(400) && drawn <= .milliseconds(620))
        }
        for (name, bad) in [("PAYMENT_LATENCY_MS", "fast"), ("PAYMENT_LATENCY_MS", "620-400"), ("ORDER_PAYMENT_DEADLINE_MS", "0"),
                            ("PAYMENT_DECLINED_CARDS", "visa")] {
            #expect { try Settings.fromEnvironment([name: bad]) } throws: { ($0 as? Settings.Problem)?.description.contains(name) == true }
        }
        #expect(try Settings.fromEnvironment([:]).declinedCards == ["4000000000000002"])
    }
}
