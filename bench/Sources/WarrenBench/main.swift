import Foundation

/// The Swift side of the benchmarks: each subcommand measures one thing and prints one JSON line.
/// The bench/ scripts run it next to the C references and compute the ratios.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "amqp-publish", "amqp-consume":
        try await AMQPBench.run(arguments)
    case "pg-insert":
        try await PostgresBench.run(arguments)
    case "worker":
        try await Projection.runWorker(arguments)
    case "publish-events":
        try await Projection.publishEvents(arguments)
    case "rpc-serve-raw", "rpc-call-raw", "rpc-call":
        try await RPCBench.run(arguments)
    case "rpc-serve-floor":
        try await RPCFloor.serve(arguments)
    case "http-constant":
        try await ConstantHTTP.run(arguments)
    default:
        print("usage: WarrenBench amqp-publish|amqp-consume|pg-insert|worker [projection|tally|cashier|ledger]|publish-events|rpc-serve-raw|rpc-serve-floor|rpc-call-raw|rpc-call|http-constant [options]")
    }
} catch {
    // One line that names what failed (a server down, a bad URL), not a crash report.
    FileHandle.standardError.write(Data("WarrenBench \(arguments.first ?? ""): \(error)\n".utf8))
    exit(1)
}
