/// Reads optional settings from the environment, failing with a message that names the variable.
struct EnvironmentValues {
    let environment: [String: String]

    /// The integer in `name`, nil when unset or empty; a value outside `range` is a `Problem`.
    func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let text = environment[name], !text.isEmpty else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw WorkerConfiguration.Problem(description: "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got `\(text)`")
        }
        return value
    }
}
