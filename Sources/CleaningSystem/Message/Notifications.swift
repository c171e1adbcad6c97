/// What each event tells the customer.
extension Payment.PayConfirmed: Notifiable {
    var notification: MessageHistory.Notification {
        .init(requestId: requestId, status: status, payKind: payKind,
              text: "Your payment of \(price) by \(payKind) for the cleaning at \(place) on \(requestDate) is complete.")
    }
}

extension Payment.PayCancelConfirmed: Notifiable {
    var notification: MessageHistory.Notification {
        var text = "Your payment"
        if let price { text += " of \(price)" }
        text += " for reservation \(requestId) is refunded"
        if let payKind { text += " to your \(payKind)" }
        return .init(requestId: requestId, status: status, payKind: payKind, text: text + ".")
    }
}

extension Payment.PayKindChangeConfirmed: Notifiable {
    var notification: MessageHistory.Notification {
        .init(requestId: requestId, status: status, payKind: payKind,
              text: "Payment accepts \(payKind) as your payment kind.")
    }
}

extension Cleaning.CleaningConfirmed: Notifiable {
    var notification: MessageHistory.Notification {
        .init(requestId: requestId, status: status, payKind: nil,
              text: "Cleaner \(cleanerId) will clean \(place) on \(requestDate).")
    }
}

extension Cleaning.CleaningRejected: Notifiable {
    var notification: MessageHistory.Notification {
        .init(requestId: requestId, status: status, payKind: nil,
              text: "Sorry, reservation \(requestId) cannot be served (\(reason)); it is cancelled and your payment refunded.")
    }
}

extension Cleaning.CleaningCompleted: Notifiable {
    var notification: MessageHistory.Notification {
        .init(requestId: requestId, status: status, payKind: nil,
              text: "The cleaning of reservation \(requestId) is done. Thank you!")
    }
}

extension PayMethod.KindRegistered: Notifiable {
    var notification: MessageHistory.Notification {
        .init(requestId: requestId, status: status, payKind: kind,
              text: "Your \(kind) \(numberMasked) is registered as a payment method.")
    }
}

extension PayMethod.KindChanged: Notifiable {
    var notification: MessageHistory.Notification {
        .init(requestId: requestId, status: status, payKind: kind,
              text: "Your payment method is now \(kind) \(numberMasked).")
    }
}
