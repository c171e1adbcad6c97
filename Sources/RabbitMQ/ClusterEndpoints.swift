import Synchronization

/// Which node of a cluster last took a connection, per list of nodes, for the whole process:
/// connections go back to a node that works (keeping a process's connections together) and
/// move on past one that stopped answering.
enum ClusterEndpoints {
    private static let lastGood = Mutex<[[Configuration.Endpoint]: Configuration.Endpoint]>([:])

    /// The node that last worked first, then the rest in the list's order after it.
    static func tryOrder(_ endpoints: [Configuration.Endpoint]) -> [Configuration.Endpoint] {
        guard let good = lastGood.withLock({ $0[endpoints] }), let index = endpoints.firstIndex(of: good) else { return endpoints }
        return Array(endpoints[index...] + endpoints[..<index])
    }

    static func worked(_ endpoint: Configuration.Endpoint, in endpoints: [Configuration.Endpoint]) {
        lastGood.withLock { $0[endpoints] = endpoint }
    }
}
