/// The HTTP routes of one system (`gateway.yaml`): requests become commands or RPC calls,
/// GETs read views.
public struct Gateway: Sendable {
    public var system: String
    public var routes: [Route]
    public var location: SourceLocation

    public init(system: String, routes: [Route], location: SourceLocation) {
        self.system = system
        self.routes = routes
        self.location = location
    }
}

/// One route: method and path template to a command, an RPC, or a view.
public struct Route: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        case GET, POST, PUT, PATCH, DELETE
    }

    public enum Target: Sendable {
        case command(String)
        case rpc(String)
        /// `<context>.<viewName>`
        case view(String)

        public var name: String {
            switch self {
            case .command(let name), .rpc(let name), .view(let name): name
            }
        }
    }

    public var method: Method
    /// `/cleaningReservations/{id}`
    public var path: String
    public var target: Target
    /// How long the ingress waits for the outcome before answering 202.
    public var timeout: Interval?
    public var location: SourceLocation
    public var targetLocation: SourceLocation
    public var pathLocation: SourceLocation

    public init(
        method: Method, path: String, target: Target, timeout: Interval?, location: SourceLocation,
        targetLocation: SourceLocation, pathLocation: SourceLocation
    ) {
        self.method = method
        self.path = path
        self.target = target
        self.timeout = timeout
        self.location = location
        self.targetLocation = targetLocation
        self.pathLocation = pathLocation
    }

    /// The `{name}` segments of the path, in order.
    public var pathParameters: [String] {
        path.split(separator: "/").compactMap { segment in
            guard segment.hasPrefix("{"), segment.hasSuffix("}") else { return nil }
            return String(segment.dropFirst().dropLast())
        }
    }
}
