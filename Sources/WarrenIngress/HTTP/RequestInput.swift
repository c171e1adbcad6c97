import Foundation
import Hummingbird
import NIOCore

/// What the handlers read from a request besides the path: the body (bounded), the content
/// type, the query and the origin that links are built on.
extension Request {
    /// The body, at most `limit` bytes; 413 past it (from `Content-Length` before reading).
    func collectBody(limit: Int) async throws(APIError) -> ByteBuffer {
        let tooLarge = APIError(.contentTooLarge, "the request body is larger than \(limit) bytes")
        if let length = headers[.contentLength].flatMap({ Int($0) }), length > limit { throw tooLarge }
        var collected = ByteBuffer()
        do {
            for try await chunk in body {
                guard collected.readableBytes + chunk.readableBytes <= limit else { throw tooLarge }
                var chunk = chunk
                collected.writeBuffer(&chunk)
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("the request body could not be read: \(error)")
        }
        return collected
    }

    /// True for `application/json` and `application/<anything>+json`, parameters aside.
    var hasJSONBody: Bool {
        guard let value = headers[.contentType] else { return false }
        let type = value.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// `scheme://host[:port]` as the client reached us (`X-Forwarded-Proto`/`-Host` first, then
    /// `Host`), for absolute links the way Spring Data REST writes them; empty (links stay
    /// relative) when the host is absent or not a plain host name.
    var origin: String {
        let host = headers[.forwardedHost]?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? head.authority
        guard let host, !host.isEmpty,
              host.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]_".unicodeScalars.contains($0)) })
        else { return "" }
        let forwarded = headers[.forwardedProto]?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased()
        let scheme = forwarded == "https" ? "https" : "http"
        return "\(scheme)://\(host)"
    }

    /// Query parameters in order, names and values percent-decoded (`+` is a space).
    var queryItems: [(name: String, value: String)] {
        guard let query = uri.query, !query.isEmpty else { return [] }
        return query.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return PathTemplate.decode(spaced[...]) ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}

extension HTTPFields.Element.Name {
    static let correlationId = Self("X-Correlation-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let messageId = Self("X-Message-Id")!
    static let forwardedHost = Self("X-Forwarded-Host")!
    static let forwardedProto = Self("X-Forwarded-Proto")!
}
