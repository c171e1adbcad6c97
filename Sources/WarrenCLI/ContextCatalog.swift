import Warren

/// Every bounded context this binary can run with `warren worker NAME`.
///
/// Empty until the business systems arrive; each adds its contexts here.
enum ContextCatalog {
    static let contexts: [BoundedContext] = []

    static func context(named name: String) -> BoundedContext? {
        contexts.first { $0.name == name }
    }

    /// "a, b, c", or "(none yet)" while the catalog is empty.
    static var knownNames: String {
        contexts.isEmpty ? "(none yet)" : contexts.map(\.name).sorted().joined(separator: ", ")
    }
}
