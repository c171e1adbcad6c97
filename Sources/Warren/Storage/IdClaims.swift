import Foundation
import Logging
import Postgres

/// Sequential ids for what a message creates, the same for every delivery of that message.
///
/// A handler that calls another context before its transaction must name the thing it creates
/// in the request (`orderId` in a payment), and a redelivery must ask with the same name, or a
/// crash between the call and the commit would pay twice. The name is claimed here, committed
/// on its own before the call: the first claim for a message takes the sequence's next number,
/// every later one finds it. Numbers a failed handling claimed are skipped, as with any
/// database sequence; claims are pruned with the inbox.
///
/// Claims run on a connection of their own (opened on the first claim), because the lane's is
/// busy with transactions while a step before one runs.
package actor IdClaims {
    private let schema: ContextSchema
    private let connect: @Sendable () async throws -> PostgresConnection
    private let closesConnection: Bool
    private var connection: PostgresConnection?

    /// A worker's: opens its own connection with `configuration` on the first claim.
    init(schema: ContextSchema, configuration: PostgresConfiguration, logger: Logger) {
        self.schema = schema
        self.connect = { try await PostgresConnection.connect(configuration, logger: logger) }
        self.closesConnection = true
    }

    /// Over a connection that is idle while steps before transactions run (a test harness's).
    package init(context: String, database: PostgresConnection) {
        self.schema = ContextSchema(context: context)
        self.connect = { database }
        self.closesConnection = false
    }

    /// The number of `sequence` claimed by `messageId`: claimed now if it is the first claim.
    package func claim(_ sequence: String, for messageId: String) async throws -> Int {
        let database: PostgresConnection
        if let connection { database = connection } else {
            database = try await connect()
            connection = database
        }
        do {
            // One round trip: the claim found, or the sequence advanced and the claim stored.
            let rows = try await database.query("""
                WITH found AS (
                    SELECT value FROM \(schema.claims) WHERE message_id = $1 AND sequence = $2),
                next AS (
                    INSERT INTO \(schema.sequences) (name, last) SELECT $2, 1 WHERE NOT EXISTS (SELECT FROM found)
                    ON CONFLICT (name) DO UPDATE SET last = \(schema.sequences).last + 1 RETURNING last),
                claimed AS (
                    INSERT INTO \(schema.claims) (message_id, sequence, value) SELECT $1, $2, last FROM next
                    ON CONFLICT (message_id, sequence) DO NOTHING RETURNING value)
                SELECT value FROM found UNION ALL SELECT value FROM claimed
                """, [messageId, sequence], prepared: true)
            guard rows.count > 0 else {
                // Another replica claimed it between our look and our insert: read its claim.
                let again = try await database.query("SELECT value FROM \(schema.claims) WHERE message_id = $1 AND sequence = $2",
                                                     [messageId, sequence])
                guard again.count > 0 else { throw ClaimLost(messageId: messageId, sequence: sequence) }
                return try again[0].decode(Int.self, at: 0)
            }
            return try rows[0].decode(Int.self, at: 0)
        } catch {
            // A lost connection is opened again by the next claim (the delivery is retried).
            if closesConnection { await database.close() }
            connection = nil
            throw error
        }
    }

    func close() async {
        if closesConnection { await connection?.close() }
        connection = nil
    }

    struct ClaimLost: Error, CustomStringConvertible {
        let messageId: String
        let sequence: String
        var description: String { "the claim of \(sequence) for message \(messageId) was neither stored nor found" }
    }
}
