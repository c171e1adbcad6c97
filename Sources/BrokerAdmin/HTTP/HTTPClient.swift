import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 client for RabbitMQ's management API: one request per connection,
/// basic auth, JSON bodies, `Content-Length`, chunked and read-to-close responses. Plain HTTP only.
///
/// Why not `URLSession`: `import FoundationNetworking` works on this toolchain, but it links
/// libcurl and with it OpenSSL, libssh2, nghttp2, Kerberos and LDAP (about 30 more shared
/// libraries) into `warren`, the one binary every worker container runs, for a handful of GET
/// and PUT requests to a broker on the same network. This client needs only the C library.
/// The cost is no TLS: an `https` management URL is refused with a clear error and `apply`
/// falls back to passive declares.
public struct HTTPClient: Sendable {
    public var host: String
    public var port: Int
    /// `user:password` for basic auth, never logged.
    var credentials: (user: String, password: String)?
    /// Seconds for connecting and for each read or write.
    public var timeout: Int

    public init(host: String, port: Int, user: String?, password: String?, timeout: Int = 10) {
        self.host = host
        self.port = port
        self.credentials = user.map { ($0, password ?? "") }
        self.timeout = timeout
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data

        public var text: String { String(decoding: body, as: UTF8.self) }
        public var isSuccess: Bool { (200..<300).contains(status) }
    }

    /// Sends one request on its own connection and returns the whole response. The blocking
    /// socket calls run on a thread of their own, never on Swift's cooperative pool.
    public func send(_ method: String, _ path: String, json body: Data? = nil) async throws(HTTPError) -> Response {
        let request = encode(method, path, body: body)
        let (host, port, timeout) = (self.host, self.port, self.timeout)
        let result: Result<Response, HTTPError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                Thread.current.name = "warren.http"  // from inside: set before start() it never reaches Linux
                continuation.resume(returning: Result { () throws(HTTPError) in
                    try Self.exchange(request, host: host, port: port, timeout: timeout)
                })
            }
            thread.start()
        }
        return try result.get()
    }

    func encode(_ method: String, _ path: String, body: Data?) -> Data {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nAccept: application/json\r\nConnection: close\r\n"
        if let credentials {
            head += "Authorization: Basic \(Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString())\r\n"
        }
        if let body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        } else if method != "GET" && method != "HEAD" {
            head += "Content-Length: 0\r\n"
        }
        return Data((head + "\r\n").utf8) + (body ?? Data())
    }

    // MARK: - Blocking socket work

    private static func exchange(_ request: Data, host: String, port: Int, timeout: Int) throws(HTTPError) -> Response {
        let socket = try connect(host: host, port: port, timeout: timeout)
        defer { close(socket) }
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { write(socket, $0.baseAddress! + sent, $0.count - sent) }
            if n <= 0 { throw HTTPError(.connectionLost, "writing to \(host):\(port): \(errorText())") }
            sent += n
        }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = read(socket, &buffer, buffer.count)
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {  // SO_RCVTIMEO ran out
                    throw HTTPError(.timedOut, "\(host):\(port) sent nothing for \(timeout) s")
                }
                throw HTTPError(.connectionLost, "reading from \(host):\(port): \(errorText())")
            }
            received.append(contentsOf: buffer[0..<n])
        }
        return try parse(received)
    }

    private static func connect(host: String, port: Int, timeout: Int) throws(HTTPError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw HTTPError(.connectionFailed, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var address: UnsafeMutablePointer<addrinfo>? = first
        while let info = address {
            address = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd < 0 { lastError = errorText(); continue }
            // Non-blocking connect, so an unreachable host fails after `timeout`, not minutes.
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var result = systemConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
            if result < 0 && errno == EINPROGRESS {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                result = poll(&poller, 1, Int32(timeout * 1000)) == 1 ? 0 : -1
                if result < 0 { errno = ETIMEDOUT }
                var socketError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                if result == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length) == 0 && socketError != 0 {
                    errno = socketError
                    result = -1
                }
            }
            if result < 0 {
                lastError = errorText()
                close(fd)
                continue
            }
            _ = fcntl(fd, F_SETFL, flags)
            var interval = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
            return fd
        }
        throw HTTPError(.connectionFailed, "cannot connect to \(host):\(port): \(lastError)")
    }

    private static func systemConnect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.connect(fd, address, length)
        #else
        Darwin.connect(fd, address, length)
        #endif
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }

    /// Splits status line, headers and body; decodes a chunked body.
    static func parse(_ data: Data) throws(HTTPError) -> Response {
        let bytes = [UInt8](data)
        guard let end = bytes.firstRange(of: [13, 10, 13, 10]) else {
            throw HTTPError(.malformedResponse, "the response ended before its headers did")
        }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw HTTPError(.malformedResponse, "not an HTTP/1.x status line: \(head[0].prefix(80))")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try dechunk(body)
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard body.count >= length else {
                throw HTTPError(.malformedResponse, "the body has \(body.count) bytes, Content-Length says \(length)")
            }
            body = Array(body.prefix(length))
        }
        return Response(status: status, headers: headers, body: Data(body))
    }

    static func dechunk(_ bytes: [UInt8]) throws(HTTPError) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else {
                throw HTTPError(.malformedResponse, "a chunk size line is cut off")
            }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
                .split(separator: ";").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            guard let size = Int(sizeText, radix: 16) else {
                throw HTTPError(.malformedResponse, "bad chunk size `\(sizeText.prefix(20))`")
            }
            if size == 0 { return out }
            let start = lineEnd.upperBound
            guard start + size <= bytes.count else { throw HTTPError(.malformedResponse, "a chunk is cut off") }
            out.append(contentsOf: bytes[start..<start + size])
            index = start + size + 2
        }
    }
}

/// A failed HTTP exchange: no connection, a lost one, or a response we cannot read.
/// HTTP error statuses are not errors here; callers look at `Response.status`.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        public static let connectionFailed = Code(name: "connection failed")
        public static let connectionLost = Code(name: "connection lost")
        public static let malformedResponse = Code(name: "malformed response")
        /// Connected, but the server did not answer within the timeout.
        public static let timedOut = Code(name: "timed out")
    }

    public var code: Code
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
