/// The little HTTP/1.1 the metrics listener speaks: it reads one request head, answers it and closes the connection
/// (`Connection: close`). GET and HEAD of `/metrics` (a query string is ignored) get the metrics; other paths 404,
/// other methods on /metrics 405, anything unreadable 400, a head over the size cap 431.
enum MetricsHTTP {
    /// The most a request head may take; Prometheus sends a few hundred bytes.
    static let headLimit = 8192

    /// Where reading a request stands.
    enum Request: Equatable {
        /// More bytes are needed.
        case incomplete
        case head(method: String, path: String)
        case malformed
        case tooLarge
    }

    /// Reads what arrived so far: complete once the head's blank line is in.
    static func request(from bytes: [UInt8]) -> Request {
        guard let end = headEnd(bytes) else { return bytes.count >= headLimit ? .tooLarge : .incomplete }
        guard end <= headLimit else { return .tooLarge }
        let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? end
        var line = bytes[..<lineEnd]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte),
            parts[1].first == UInt8(ascii: "/"), parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
            parts[2].elementsEqual("HTTP/1.1".utf8) || parts[2].elementsEqual("HTTP/1.0".utf8)
        else { return .malformed }
        let target = String(decoding: parts[1], as: UTF8.self)
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
        return .head(method: String(decoding: parts[0], as: UTF8.self), path: path ?? target)
    }

    /// The whole response to a request; `metrics` is called only when they are asked for.
    static func response(to request: Request, metrics: () -> String) -> [UInt8] {
        switch request {
        case .incomplete, .malformed:
            return response(400, "Bad Request", body: "a request line like `GET /metrics HTTP/1.1` was expected\n")
        case .tooLarge:
            return response(
                431, "Request Header Fields Too Large", body: "the request head passes \(headLimit) bytes\n")
        case .head(let method, let path):
            guard path == "/metrics" else {
                return response(404, "Not Found", body: "twindup serves its metrics at /metrics only\n")
            }
            guard method == "GET" || method == "HEAD" else {
                return response(
                    405, "Method Not Allowed", body: "/metrics answers GET and HEAD only\n",
                    extraHeaders: ["Allow: GET, HEAD"])
            }
            return response(
                200, "OK", body: metrics(), contentType: MetricsExposition.contentType, headOnly: method == "HEAD")
        }
    }

    /// The answer to a client that sent no complete head in time.
    static let timeoutResponse = response(408, "Request Timeout", body: "no complete request in time\n")

    static func response(
        _ status: Int, _ reason: String, body: String, contentType: String = "text/plain; charset=utf-8",
        headOnly: Bool = false, extraHeaders: [String] = []
    ) -> [UInt8] {
        let bodyBytes = Array(body.utf8)
        let head =
            (["HTTP/1.1 \(status) \(reason)", "Content-Type: \(contentType)", "Content-Length: \(bodyBytes.count)"]
            + extraHeaders + ["Connection: close", "", ""]).joined(separator: "\r\n")
        return Array(head.utf8) + (headOnly ? [] : bodyBytes)
    }

    /// The index just past the blank line that ends the head (`\r\n\r\n`, or `\n\n` from lax clients).
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        let newline = UInt8(ascii: "\n")
        var index = 0
        while let found = bytes[index...].firstIndex(of: newline) {
            let next = found + 1
            if next < bytes.count && bytes[next] == newline { return next + 1 }
            if next + 1 < bytes.count && bytes[next] == UInt8(ascii: "\r") && bytes[next + 1] == newline {
                return next + 2
            }
            index = next
        }
        return nil
    }

    /// RFC 9110's `tchar`: what a method name is made of.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
