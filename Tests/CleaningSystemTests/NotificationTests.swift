import Testing
@testable import CleaningSystem

/// Each step of the saga tells the customer one plain sentence, and never a card number.
@Suite struct NotificationTests {
    @Test func everyNotifiedEventReadsAsASentence() {
        let notifications: [MessageHistory.Notification] = [
            Payment.PayConfirmed(requestId: 7, paymentId: 3, requestDate: "2026-05-01", place: "seoul", price: 2000, payKind: "card").notification,
            Cleaning.CleaningConfirmed(requestId: 7, requestDate: "2026-05-01", place: "seoul", cleanerId: 2).notification,
            Cleaning.CleaningCompleted(requestId: 7).notification,
            Payment.PayCancelConfirmed(requestId: 7, payKind: "card", price: 2000).notification,
            Payment.PayCancelConfirmed(requestId: 8, payKind: nil, price: nil).notification,
            Cleaning.CleaningRejected(requestId: 7, reason: "no cleaner free on 2026-05-01: all 3 are booked").notification,
            PayMethod.KindRegistered(payMethodId: 9, requestId: 1, kind: "credit", numberMasked: "****5003").notification,
            PayMethod.KindChanged(payMethodId: 9, requestId: 1, kind: "bank", numberMasked: "******7890", version: 1).notification,
            Payment.PayKindChangeConfirmed(requestId: 1, payMethodId: 9, payKind: "credit").notification,
        ]
        #expect(notifications.map(\.text) == [
            "Your payment of 2000 by card for the cleaning at seoul on 2026-05-01 is complete.",
            "Cleaner 2 will clean seoul on 2026-05-01.",
            "The cleaning of reservation 7 is done. Thank you!",
            "Your payment of 2000 for reservation 7 is refunded to your card.",
            "Your payment for reservation 8 is refunded.",
            "Sorry, reservation 7 cannot be served (no cleaner free on 2026-05-01: all 3 are booked); it is cancelled and your payment refunded.",
            "Your credit ****5003 is registered as a payment method.",
            "Your payment method is now bank ******7890.",
            "Payment accepts credit as your payment kind.",
        ])
        #expect(notifications.map(\.status) == [
            "PaymentCompleted", "CleaningConfirmed", "CleaningCompleted", "PaymentCancelCompleted", "PaymentCancelCompleted",
            "CleaningRejected", "PaymentKindRegistered", "PaymentKindChanged", "PayKindChangeConfirmed",
        ])
        #expect(notifications.map(\.payKind) == ["card", nil, nil, "card", nil, nil, "credit", "bank", "credit"])
    }
}
