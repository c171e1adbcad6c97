/// `--name value` pairs from the command line, with defaults: the bench script passes the same
/// settings to the C reference and to us.
struct Options {
    private var values: [String: String] = [:]

    init(_ arguments: [String]) {
        var index = 1
        while index < arguments.count {
            let key = arguments[index]
            if key.hasPrefix("--"), index + 1 < arguments.count {
                values[String(key.dropFirst(2))] = arguments[index + 1]
                index += 2
            } else {
                index += 1
            }
        }
    }

    func string(_ name: String, _ fallback: String) -> String { values[name] ?? fallback }

    func optional(_ name: String) -> String? { values[name] }

    func int(_ name: String, _ fallback: Int) -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text) else { fatalError("--\(name) must be an integer, got \(text)") }
        return value
    }
}

/// A bench subcommand's bad option, setting or failed run, said in one line.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Monotonic seconds.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
