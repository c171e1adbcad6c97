import Foundation
import Topology

/// `warren topology permissions --apply`: creates each context's broker user and sets its
/// least-privilege permissions on the vhost through the management API. Idempotent: run again,
/// it sets the same permissions and leaves existing passwords alone unless one is given.
///
/// Passwords come from variables named after the user (`WARREN_PAYMENT_PASSWORD` for
/// `cleaning.payment`, `WARREN_CLEANING_INGRESS_PASSWORD` for `cleaning.ingress`): from the
/// environment, or from a passwords file in the `NAME=value` form that compose's `env_file`
/// reads. A user that does not exist yet and has no password gets a generated one, returned
/// once (and appended to the passwords file when there is one) so the operator can hand it
/// to the worker; it is never printed again.
public enum UserProvisioning {
    public struct Options: Sendable {
        public var managementURL: String
        public var virtualHost: String
        /// Put before every user name, for several fleets (or tests) on one broker.
        public var userPrefix: String
        public var environment: [String: String]
        /// A `NAME=value` file read for passwords, generated ones appended.
        public var passwordsFile: String?

        public init(managementURL: String, virtualHost: String = "/", userPrefix: String = "",
                    environment: [String: String] = ProcessInfo.processInfo.environment, passwordsFile: String? = nil) {
            self.managementURL = managementURL
            self.virtualHost = virtualHost
            self.userPrefix = userPrefix
            self.environment = environment
            self.passwordsFile = passwordsFile
        }
    }

    public struct User: Sendable {
        public var name: String
        /// The variable its password is read from and that the worker's environment should set.
        public var variable: String
        public var grant: Grant
        public enum Password: Sendable, Equatable {
            /// Set from the environment or the passwords file.
            case given(String)
            /// Made up now: show it to the operator once.
            case generated(String)
            /// The user existed and no password was given: its password is unchanged.
            case unchanged
        }
        public var password: Password
        public var created: Bool
    }

    /// `WARREN_PAYMENT_PASSWORD` for a context's user, `WARREN_<SYSTEM>_INGRESS_PASSWORD` for a gateway's.
    public static func passwordVariable(for grant: Grant) -> String {
        let subject = grant.context ?? grant.user.replacingOccurrences(of: ".", with: "_")
        let upper = subject.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        return "WARREN_\(upper)_PASSWORD"
    }

    public static func apply(_ grants: [Grant], options: Options, print: (String) -> Void = { _ in }) async throws -> [User] {
        let api = try ManagementAPI(url: options.managementURL)
        var file = try options.passwordsFile.map(PasswordsFile.init(path:))
        var users: [User] = []
        for grant in grants {
            let name = options.userPrefix + grant.user
            let variable = passwordVariable(for: grant)
            let exists = try await api.userExists(name)
            let password: User.Password
            if let given = options.environment[variable].flatMap({ $0.isEmpty ? nil : $0 }) ?? file?.values[variable] {
                password = .given(given)
                try await api.putUser(name, password: given)
            } else if exists {
                password = .unchanged
            } else {
                let generated = generatePassword()
                password = .generated(generated)
                try await api.putUser(name, password: generated)
                try file?.append(variable, generated)
            }
            try await api.putPermissions(vhost: options.virtualHost, user: name, configure: grant.configure, write: grant.write, read: grant.read)
            let what = exists ? "updated" : "created"
            let passwordNote = switch password {
            case .given: "password from \(variable)"
            case .generated: "password generated" + (file.map { ", appended to \($0.path) as \(variable)" } ?? " (printed below, once)")
            case .unchanged: "password unchanged (set \(variable) to change it)"
            }
            print("\(name): \(what), permissions set on vhost \(options.virtualHost), \(passwordNote)")
            users.append(User(name: name, variable: variable, grant: grant, password: password, created: !exists))
        }
        return users
    }

    /// 24 random bytes, base64url: 32 characters safe in URLs and env files.
    static func generatePassword() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }
}

/// A `NAME=value` file (compose's `env_file` format): read for passwords, generated ones appended.
struct PasswordsFile {
    var path: String
    var values: [String: String] = [:]

    init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { return }
        for line in try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.hasPrefix("#"), let equals = text.firstIndex(of: "=") else { continue }
            var value = String(text[text.index(after: equals)...])
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" { value = String(value.dropFirst().dropLast()) }
            values[String(text[..<equals]).trimmingCharacters(in: .whitespaces)] = value
        }
    }

    /// Appends `NAME=value`, creating the file readable by its owner only.
    mutating func append(_ name: String, _ value: String) throws {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            guard manager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let end = try handle.seekToEnd()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let separator = end > 0 && !text.hasSuffix("\n") ? "\n" : ""
        try handle.write(contentsOf: Data("\(separator)\(name)=\(value)\n".utf8))
        values[name] = value
    }
}
