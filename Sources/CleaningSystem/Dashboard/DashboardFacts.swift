import Warren

/// What each event tells the dashboard, as an entry to merge.
protocol DashboardFact: Message {
    var dashboardEntry: DashboardEntry { get }
}

extension DashboardEntry {
    fileprivate init(requestId: Int, status: String) {
        self.init(requestId: requestId, status: Ranked(status, rank: StatusRank.of(status)))
    }
}

extension Reservation.CleaningRequested: DashboardFact {
    var dashboardEntry: DashboardEntry {
        var entry = DashboardEntry(requestId: requestId, status: status)
        entry.payKind = Ranked(payKind, rank: DashboardEntry.PayKindRank.reservation)
        entry.place = Ranked(place, rank: DashboardEntry.DetailRank.reservation)
        entry.price = Ranked(price, rank: DashboardEntry.DetailRank.reservation)
        entry.requestDate = Ranked(requestDate, rank: DashboardEntry.DetailRank.reservation)
        return entry
    }
}

extension Reservation.CleaningRequestCanceled: DashboardFact {
    var dashboardEntry: DashboardEntry {
        var entry = DashboardEntry(requestId: requestId, status: status)
        entry.payKind = Ranked(payKind, rank: DashboardEntry.PayKindRank.reservation)
        entry.price = Ranked(price, rank: DashboardEntry.DetailRank.reservation)
        return entry
    }
}

extension Payment.PayConfirmed: DashboardFact {
    var dashboardEntry: DashboardEntry {
        var entry = DashboardEntry(requestId: requestId, status: status)
        entry.payKind = Ranked(payKind, rank: DashboardEntry.PayKindRank.reservation)
        entry.place = Ranked(place, rank: DashboardEntry.DetailRank.payment)
        entry.price = Ranked(price, rank: DashboardEntry.DetailRank.payment)
        entry.requestDate = Ranked(requestDate, rank: DashboardEntry.DetailRank.payment)
        return entry
    }
}

extension Payment.PayCancelConfirmed: DashboardFact {
    var dashboardEntry: DashboardEntry {
        var entry = DashboardEntry(requestId: requestId, status: status)
        entry.payKind = payKind.map { Ranked($0, rank: DashboardEntry.PayKindRank.reservation) }
        entry.price = price.map { Ranked($0, rank: DashboardEntry.DetailRank.payment) }
        return entry
    }
}

extension Cleaning.CleaningConfirmed: DashboardFact {
    var dashboardEntry: DashboardEntry {
        var entry = DashboardEntry(requestId: requestId, status: status)
        entry.place = Ranked(place, rank: DashboardEntry.DetailRank.cleaning)
        entry.requestDate = Ranked(requestDate, rank: DashboardEntry.DetailRank.cleaning)
        return entry
    }
}

extension Cleaning.CleaningRejected: DashboardFact {
    var dashboardEntry: DashboardEntry { DashboardEntry(requestId: requestId, status: status) }
}

extension Cleaning.CleaningCompleted: DashboardFact {
    var dashboardEntry: DashboardEntry { DashboardEntry(requestId: requestId, status: status) }
}

extension PayMethod.KindRegistered: DashboardFact {
    var dashboardEntry: DashboardEntry {
        var entry = DashboardEntry(requestId: requestId, status: status)
        entry.payKind = Ranked(kind, rank: DashboardEntry.PayKindRank.card(version: 0))
        return entry
    }
}

extension PayMethod.KindChanged: DashboardFact {
    var dashboardEntry: DashboardEntry {
        var entry = DashboardEntry(requestId: requestId, status: status)
        entry.payKind = Ranked(kind, rank: DashboardEntry.PayKindRank.card(version: version))
        return entry
    }
}
