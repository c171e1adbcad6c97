import Yams

/// Reads `topology/<system>/gateway.yaml`: the system's HTTP routes.
enum GatewayFile {
    static let keys = ["description", "routes"]
    static let routeKeys = ["description", "method", "path", "command", "rpc", "view", "timeout"]

    static func read(_ root: Node, system: String, reader: inout NodeReader) -> Gateway? {
        guard let pairs = reader.mapping(root, "a gateway file", allowed: keys) else { return nil }
        var gateway = Gateway(system: system, routes: [], location: reader.location(of: root))
        for (key, _, value) in pairs where key == "routes" {
            for entry in reader.sequence(value, "routes") ?? [] {
                guard let fields = reader.mapping(entry, "a route", allowed: routeKeys),
                      reader.require(["method", "path"], in: fields, of: entry, "a route") else { continue }
                var method: Route.Method?
                var path: String?
                var pathLocation = reader.location(of: entry)
                var targets: [(Route.Target, SourceLocation)] = []
                var timeout: Interval?
                for (k, _, v) in fields {
                    switch k {
                    case "method":
                        guard let text = reader.string(v, k) else { continue }
                        method = Route.Method(rawValue: text.uppercased())
                        if method == nil {
                            reader.report(v, "unknown HTTP method `\(text)`",
                                          fix: "use one of \(Route.Method.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                    case "path":
                        path = reader.string(v, k)
                        pathLocation = reader.location(of: v)
                    case "command": if let t = reader.string(v, k) { targets.append((.command(t), reader.location(of: v))) }
                    case "rpc": if let t = reader.string(v, k) { targets.append((.rpc(t), reader.location(of: v))) }
                    case "view": if let t = reader.string(v, k) { targets.append((.view(t), reader.location(of: v))) }
                    case "timeout": timeout = reader.interval(v, k)
                    default: break
                    }
                }
                guard targets.count == 1 else {
                    reader.report(entry, targets.isEmpty ? "a route needs a target" : "a route has \(targets.count) targets",
                                  fix: "give exactly one of `command`, `rpc` or `view`")
                    continue
                }
                guard let method, let path else { continue }
                gateway.routes.append(Route(method: method, path: path, target: targets[0].0, timeout: timeout,
                                            location: reader.location(of: entry), targetLocation: targets[0].1,
                                            pathLocation: pathLocation))
            }
        }
        return gateway
    }
}
