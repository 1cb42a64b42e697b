import Foundation
import Glibc

/// A real TCP connection to the daemon's metrics listener, for sending exactly the bytes a test wants (a slow or
/// malformed client as well as a scrape) and reading the answer until the server closes.
final class TCPConnection {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    private let descriptor: Int32

    /// Connects to 127.0.0.1:`port`; reads give up after `timeout` seconds without data.
    init(port: UInt16, timeout: Double = 10) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failed(description: "socket: \(String(cString: strerror(errno)))") }
        var wait = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        guard setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            close(descriptor)
            throw Failed(description: "setsockopt: \(String(cString: strerror(errno)))")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw Failed(description: "cannot connect to 127.0.0.1:\(port): \(reason)")
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw Failed(description: "send: \(String(cString: strerror(errno)))") }
            sent += count
        }
    }

    /// Everything the server sends until it closes the connection (or the read timeout passes).
    func readToEnd() -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return received }
            received += buffer[..<count]
        }
    }
}

/// An HTTP response as read off the wire.
struct HTTPResponse {
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    var body: String

    init(_ bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else {
            throw TCPConnection.Failed(description: "no complete HTTP response: \(text.debugDescription)")
        }
        let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusLine = head[0].split(separator: " ")
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw TCPConnection.Failed(description: "not an HTTP/1.1 status line: \(head[0])")
        }
        self.status = status
        headers = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        body = String(text[split.upperBound...])
    }

    /// One request on a fresh connection.
    static func fetch(_ request: String, port: UInt16) throws -> HTTPResponse {
        let connection = try TCPConnection(port: port)
        try connection.send(request)
        return try HTTPResponse(connection.readToEnd())
    }

    static func get(_ path: String, port: UInt16) throws -> HTTPResponse {
        try fetch("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n", port: port)
    }
}
