import Foundation
import Topology

/// Fixture directories, found from this file's path (no SwiftPM resources needed).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let repositoryTopology = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("topology").path

    /// Every problem `warren topology check` reports for a broken case, as printed, with the
    /// fixtures' absolute prefix cut off so expectations read `case/system/file.yaml:line:col`.
    static func problems(in brokenCase: String) throws -> [String] {
        let root = "\(directory)/broken/\(brokenCase)"
        let (_, diagnostics) = try TopologyDirectory(root).check()
        return diagnostics.map { $0.description.replacingOccurrences(of: "\(directory)/broken/", with: "") }
    }

    static func fleet(_ root: String) throws -> (Fleet, [Diagnostic]) {
        try TopologyDirectory(root).check()
    }
}
