import Logging
import Postgres

/// Makes a system's database on a worker's first start. Each system keeps its contexts in a
/// database of its own (its namespace, beside its own vhost), and in compose or Kubernetes
/// nothing else would create it. Only when the server says that database does not exist, and
/// only if the worker's role may create databases; replicas racing to create it are fine.
enum DatabaseCreation {
    /// Whether `error` (from connecting with `configuration`) was a missing database that now
    /// exists: the caller connects again at once.
    static func createIfMissing(_ configuration: PostgresConfiguration, after error: any Error, logger: Logger) async -> Bool {
        // A connection's only database is the one it names; the text may have the password
        // masked in it (our PostgresError hides it), so the name itself is not compared.
        let text = "\(error)"
        guard let name = configuration.database, text.contains("FATAL:  database \""), text.contains("\" does not exist") else { return false }
        var maintenance = configuration
        maintenance.database = "postgres"
        maintenance.parameters["options"] = nil
        do {
            let connection = try await PostgresConnection.connect(maintenance, logger: logger)
            defer { Task { await connection.close() } }
            let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            do {
                try await connection.execute("CREATE DATABASE \(quoted)", [])
                logger.info("database created: this system's first start", metadata: ["database": "\(name)"])
            } catch let failure as PostgresError where failure.sqlState == "42P04" {
                // duplicate_database: a replica made it first.
            }
            return true
        } catch {
            logger.warning("the database does not exist and could not be created", metadata: ["database": "\(name)", "error": "\(error)"])
            return false
        }
    }
}
