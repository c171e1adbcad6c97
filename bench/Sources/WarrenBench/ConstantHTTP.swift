import Hummingbird
import Logging

/// `WarrenBench http-constant --port P`: a bare Hummingbird server whose one route answers a
/// constant JSON body; bench/ingress measures it next to the ingress, as the ceiling of what
/// Hummingbird serves on this machine.
enum ConstantHTTP {
    static func run(_ arguments: [String]) async throws {
        var port = 18090
        if let index = arguments.firstIndex(of: "--port"), index + 1 < arguments.count, let value = Int(arguments[index + 1]) {
            port = value
        }
        let router = Router()
        router.get("constant") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"ok":true}"#)))
        }
        var logger = Logger(label: "bench.constant")
        logger.logLevel = .warning
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await application.runService()
    }
}
