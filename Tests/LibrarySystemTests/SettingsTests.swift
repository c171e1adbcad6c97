import Testing
@testable import LibrarySystem

@Suite struct SettingsTests {
    @Test func latenciesDeadlinesAndKiosksComeFromTheEnvironment() throws {
        let settings = try Settings.fromEnvironment([
            "PAYMENT_LATENCY_MS": "400-620", "KIOSK_LATENCY_MS": "500", "RENTAL_PAYMENT_DEADLINE_MS": "1500",
            "RENTAL_KIOSK_DEADLINE_MS": "200", "KIOSK_COUNT": "3",
        ])
        #expect(settings.paymentLatency == 400...620)
        #expect(settings.kioskLatency == 500...500)
        #expect(settings.paymentDeadline == .milliseconds(1500))
        #expect(settings.kioskDeadline == .milliseconds(200))
        #expect(settings.kioskCount == 3)
        let defaults = try Settings.fromEnvironment([:])
        #expect(defaults.paymentLatency == 0...0 && defaults.kioskLatency == 0...0 && defaults.kioskCount == 10)
        #expect(defaults.paymentDeadline == nil && defaults.kioskDeadline == nil)
    }

    @Test func aMalformedValueNamesItsVariable() {
        for (name, value) in [("KIOSK_LATENCY_MS", "slow"), ("PAYMENT_LATENCY_MS", "600-400"), ("RENTAL_KIOSK_DEADLINE_MS", "5"),
                              ("KIOSK_COUNT", "0")] {
            #expect {
                _ = try Settings.fromEnvironment([name: value])
            } throws: { error in
                "\(error)".hasPrefix(name) && "\(error)".contains("`\(value)`")
            }
        }
    }
}
