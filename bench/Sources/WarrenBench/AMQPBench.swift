enum AMQPBench { static func run(_ arguments: [String]) async throws { fatalError("not yet written") } }
