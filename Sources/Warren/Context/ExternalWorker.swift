/// A bounded context run by a program in another language (the storage system's Python
/// `customer` worker) on the same topology, envelope and reliability protocol as the Swift
/// workers. `warren up` starts it like one of them: the same environment (AMQP_URL and
/// DATABASE_URL of the system's vhost and database, HEALTH_PORT, TOPOLOGY_DIR, LOG_FORMAT,
/// LOG_LEVEL), its output labelled with the context's name, restarted when it exits, SIGTERM
/// to stop it. docs/writing-a-worker-in-another-language.md says what such a program must do.
public struct ExternalWorker: Sendable, Hashable {
    /// The context's name, as in `topology/<system>/<context>.yaml`.
    public let context: String
    /// The program, relative to the repository (where `warren up` runs), then its arguments.
    public let command: [String]

    public init(context: String, command: [String]) {
        precondition(!command.isEmpty, "an external worker needs a program")
        self.context = context
        self.command = command
    }
}

/// A business system some of whose contexts are programs in other languages: it lists them
/// here (`extension StorageSystem: ExternalWorkers { ... }`). A context listed both here and in
/// `contextNames` is started as the program, in its place in the start order; the others after
/// the Swift workers.
public protocol ExternalWorkers {
    static var externalWorkers: [ExternalWorker] { get }
}

extension ExternalWorkers {
    /// The program running `context`, if it is one of the external workers.
    public static func externalWorker(for context: String) -> ExternalWorker? {
        externalWorkers.first { $0.context == context }
    }
}
