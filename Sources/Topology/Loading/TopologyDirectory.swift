import Foundation

/// Reads the topology files under a directory: `<root>/<system>/*.yaml`. The only part of
/// the module that touches the file system.
public struct TopologyDirectory: Sendable {
    public var root: String

    public init(_ root: String) {
        self.root = root
    }

    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Every `.yaml` file one level below the system directories, sorted by path; paths keep
    /// `root` as given, so problems print the way the user typed the directory.
    public func files(system: String? = nil) throws -> [SourceFile] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReadError(description: "no topology directory at `\(root)`")
        }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        var files: [SourceFile] = []
        for entry in try manager.contentsOfDirectory(atPath: base).sorted() where system == nil || entry == system {
            let directory = "\(base)/\(entry)"
            guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            for name in try manager.contentsOfDirectory(atPath: directory).sorted() where name.hasSuffix(".yaml") {
                let path = "\(directory)/\(name)"
                guard let data = manager.contents(atPath: path) else { throw ReadError(description: "cannot read `\(path)`") }
                files.append(SourceFile(path: path, text: String(decoding: data, as: UTF8.self)))
            }
        }
        if let system, files.isEmpty {
            throw ReadError(description: "no system `\(system)` under `\(root)` (expected `\(base)/\(system)/*.yaml`)")
        }
        return files
    }

    /// Loads and validates: every problem of every file, then of the fleet as a whole.
    public func check(system: String? = nil) throws -> (fleet: Fleet, diagnostics: [Diagnostic]) {
        let (fleet, loadProblems) = FleetLoader.load(try files(system: system))
        return (fleet, (loadProblems + Validator.validate(fleet)).sorted {
            ($0.location.file, $0.location.line, $0.location.column, $0.problem)
                < ($1.location.file, $1.location.line, $1.location.column, $1.problem)
        })
    }
}
