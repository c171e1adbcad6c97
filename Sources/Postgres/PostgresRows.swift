import CLibPQ

/// Owns one `PGresult` and clears it when the last row referring to it goes away.
///
/// `@unchecked Sendable` because libpq documents a `PGresult` as read-only after creation and
/// independent of its connection ("can be passed around freely between threads"): the rows are
/// read in place on the caller's side, without copying every cell into Swift strings first.
final class ResultHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let columns: [String]

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
        self.columns = (0..<PQnfields(pointer)).map { String(cString: PQfname(pointer, $0)) }
    }

    deinit { PQclear(pointer) }
}

/// The rows a statement returned, with the command's outcome (`commandTag`, `affectedRows`).
public struct PostgresRows: RandomAccessCollection, Sendable {
    let handle: ResultHandle

    init(_ handle: ResultHandle) { self.handle = handle }

    /// Column names, in order.
    public var columns: [String] { handle.columns }
    /// The command tag, e.g. "INSERT 0 1", "COMMIT", or "ROLLBACK" for a COMMIT that rolled back.
    public var commandTag: String { String(cString: PQcmdStatus(handle.pointer)) }
    /// Rows inserted, updated, deleted, selected... by the command; 0 when it does not say.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle.pointer))) ?? 0 }

    public var startIndex: Int { 0 }
    public var endIndex: Int { Int(PQntuples(handle.pointer)) }
    public subscript(position: Int) -> PostgresRow { PostgresRow(handle: handle, index: Int32(position)) }
}

/// One row; decode its columns by position or by name.
public struct PostgresRow: Sendable {
    let handle: ResultHandle
    let index: Int32

    public var columns: [String] { handle.columns }

    /// Decodes column `column` (0-based). A NULL decodes only into an `Optional`.
    public func decode<Value: PostgresDecodable>(_ type: Value.Type = Value.self, at column: Int) throws -> Value {
        guard column >= 0, column < handle.columns.count else {
            throw PostgresError(
                code: .decoding,
                message: "no column at index \(column): the row has \(handle.columns.count) columns"
            )
        }
        let field = Int32(column)
        if PQgetisnull(handle.pointer, index, field) == 1 {
            if let null = Value.postgresNull { return null }
            throw decodingError(column: column, type: type, text: nil)
        }
        let bytes = UnsafeRawBufferPointer(
            start: PQgetvalue(handle.pointer, index, field),
            count: Int(PQgetlength(handle.pointer, index, field))
        )
        let text = String(decoding: bytes, as: UTF8.self)
        guard let value = Value(postgresText: text) else {
            throw decodingError(column: column, type: type, text: text)
        }
        return value
    }

    /// Decodes the column named `name` (exact, case-sensitive match on the result's column name).
    public func decode<Value: PostgresDecodable>(_ type: Value.Type = Value.self, named name: String) throws -> Value {
        guard let column = handle.columns.firstIndex(of: name) else {
            throw PostgresError(
                code: .decoding,
                message: "no column named \(name); the columns are \(handle.columns.joined(separator: ", "))"
            )
        }
        return try decode(type, at: column)
    }

    /// Whether the column is SQL NULL.
    public func isNull(at column: Int) -> Bool {
        PQgetisnull(handle.pointer, index, Int32(column)) == 1
    }

    private func decodingError<Value>(column: Int, type: Value.Type, text: String?) -> PostgresError {
        let got = text.map { "'\($0.count > 100 ? $0.prefix(100) + "..." : $0)'" } ?? "NULL"
        return PostgresError(
            code: .decoding,
            message: "column \(handle.columns[column]) (#\(column)): cannot decode \(got) as \(Value.self)",
            column: handle.columns[column]
        )
    }
}
