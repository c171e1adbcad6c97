@testable import BrokerAdmin
import Foundation
import Glibc
import Synchronization
import Testing

/// A management API that leaves its first requests unanswered: the client's read timeout and
/// the one retry of a GET.
@Suite struct ManagementRetryTests {
    @Test("an unanswered request fails as timed out, naming the server and the wait")
    func unansweredRequestTimesOut() async throws {
        let server = try SlowServer(silentConnections: 1)
        var client = HTTPClient(host: "127.0.0.1", port: server.port, user: nil, password: nil)
        client.timeout = 1
        do {
            _ = try await client.send("GET", "/api/overview")
            Issue.record("a request nobody answered returned")
        } catch {
            #expect(error.code == .timedOut)
            #expect(error.message == "127.0.0.1:\(server.port) sent nothing for 1 s")
        }
    }

    @Test("a GET that times out is asked once more and its answer read")
    func timedOutGetIsAskedAgain() async throws {
        let server = try SlowServer(silentConnections: 1)
        var api = try ManagementAPI(url: "http://guest:guest@127.0.0.1:\(server.port)")
        api.http.timeout = 1
        let queues = try await api.queues(vhost: "v")
        #expect(queues.isEmpty)
        #expect(server.connections == 2)
    }

    @Test("a GET that times out twice fails as unreachable")
    func getTimingOutTwiceFails() async throws {
        let server = try SlowServer(silentConnections: 2)
        var api = try ManagementAPI(url: "http://guest:guest@127.0.0.1:\(server.port)")
        api.http.timeout = 1
        await #expect(throws: ManagementError.self) { try await api.queues(vhost: "v") }
        #expect(server.connections == 2)
    }
}

/// Accepts connections on a loopback port: the first `silentConnections` are held open and
/// never answered, every later one gets `200` with `[]`.
private final class SlowServer: Sendable {
    let port: Int
    private let accepted = Count()
    private let listener: Int32

    /// Shared with the accepting thread, which must not keep the server alive.
    private final class Count: Sendable {
        let value = Atomic<Int>(0)
    }

    var connections: Int { accepted.value.load(ordering: .relaxed) }

    init(silentConnections: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let count = accepted
        Thread {
            var silent: [Int32] = []
            while true {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { break }
                if count.value.add(1, ordering: .relaxed).newValue <= silentConnections {
                    silent.append(connection)  // held open, never answered
                    continue
                }
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = read(connection, &buffer, buffer.count)
                let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"
                _ = answer.withCString { write(connection, $0, strlen($0)) }
                close(connection)
            }
            silent.forEach { close($0) }
        }.start()
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
