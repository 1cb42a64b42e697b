import Foundation
import Logging
import Synchronization
import Testing

@testable import Daemon

@Suite("Metrics: addresses, HTTP requests, the text format and the textfile")
struct MetricsPartsTests {
    @Test(
        "listen addresses: a port alone or localhost is loopback; other hosts only as IP literals",
        arguments: [
            ("9464", "127.0.0.1:9464", true),
            (":9464", "127.0.0.1:9464", true),
            ("localhost:0", "127.0.0.1:0", true),
            ("127.0.0.2:80", "127.0.0.2:80", true),
            ("[::1]:9464", "[::1]:9464", true),
            ("0.0.0.0:9464", "0.0.0.0:9464", false),
            ("[::]:9464", "[::]:9464", false),
            ("192.0.2.7:9464", "192.0.2.7:9464", false),
        ])
    func listenAddresses(text: String, shown: String, loopback: Bool) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address.description == shown)
        #expect(address.isLoopback == loopback)
        #expect(try ListenAddress(parsing: address.description) == address, "what --check-config prints reads back")
    }

    @Test(
        "listen addresses that cannot work are refused with the reason",
        arguments: [
            ("example.com:9464", "is not an IP address"),
            ("::1:9464", "write an IPv6 address in brackets"),
            ("127.0.0.1:65536", "the port must be a number"),
            ("127.0.0.1:", "the port must be a number"),
            ("[::1]9464", "a port must follow"),
            ("[127.0.0.1]:80", "brackets are for IPv6"),
        ])
    func badListenAddresses(text: String, reason: String) {
        let error = #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: text) }
        #expect(error?.description.contains(reason) == true, "got: \(error?.description ?? "no error")")
    }

    @Test("a request head is complete at its blank line; the query is ignored; junk and oversized heads are refused")
    func requestHeads() {
        func request(_ text: String) -> MetricsHTTP.Request { MetricsHTTP.request(from: Array(text.utf8)) }
        #expect(request("GET /metrics HTTP/1.1\r\nHost: x\r\n") == .incomplete)
        #expect(request("GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n") == .head(method: "GET", path: "/metrics"))
        #expect(request("GET /metrics HTTP/1.0\n\n") == .head(method: "GET", path: "/metrics"))
        #expect(request("GET /metrics HTTP/2.0\r\n\r\n") == .malformed)
        #expect(request("GET metrics HTTP/1.1\r\n\r\n") == .malformed)
        #expect(request("G(T /metrics HTTP/1.1\r\n\r\n") == .malformed)
        #expect(
            request("GET /metrics HTTP/1.1\r\n" + String(repeating: "a", count: MetricsHTTP.headLimit)) == .tooLarge)
        let answer = String(
            decoding: MetricsHTTP.response(to: .head(method: "DELETE", path: "/metrics")) { "" }, as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n") && answer.contains("\r\nAllow: GET, HEAD\r\n"))
    }

    @Test("label values and help texts are escaped so that a strict reader gets them back")
    func escaping() throws {
        var out = MetricsExposition()
        out.family("twindup_example_info", .gauge, help: "a \\ backslash\nand a line")
        out.sample("twindup_example_info", labels: ["model": "quote \" backslash \\ line\n"], 1)
        out.single("twindup_example_seconds", .gauge, help: "small", 0.000125)
        out.single("twindup_example_total", .counter, help: "large", 12_345_678_901)
        let parsed = try Exposition(parsing: out.text)
        #expect(parsed.value("twindup_example_info", ["model": "quote \" backslash \\ line\n"]) == 1, "\(out.text)")
        #expect(parsed.families["twindup_example_info"]?.help == "a \\\\ backslash\\nand a line")
        #expect(parsed.value("twindup_example_seconds") == 0.000125)
        #expect(parsed.value("twindup_example_total") == 12_345_678_901)
    }

    @Test("a histogram's buckets are cumulative and its count is the +Inf bucket")
    func histogram() throws {
        let histogram = LatencyHistogram(bounds: [0.01, 0.1, 1])
        for milliseconds in [1, 5, 50, 500, 5000] { histogram.observe(.milliseconds(milliseconds)) }
        var out = MetricsExposition()
        out.histogram("twindup_example_seconds", help: "example", histogram.snapshot)
        let parsed = try Exposition(parsing: out.text)
        #expect(parsed.value("twindup_example_seconds_bucket", ["le": "0.01"]) == 2)
        #expect(parsed.value("twindup_example_seconds_bucket", ["le": "0.1"]) == 3)
        #expect(parsed.value("twindup_example_seconds_bucket", ["le": "1"]) == 4)
        #expect(parsed.value("twindup_example_seconds_bucket", ["le": "+Inf"]) == 5)
        #expect(parsed.value("twindup_example_seconds_count") == 5)
        #expect(abs((parsed.value("twindup_example_seconds_sum") ?? 0) - 5.556) < 1e-9)
    }

    @Test("a textfile that cannot be written is logged once per distinct error, and written once it can be")
    func textfileErrorsLoggedOnce() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("twindup-prom-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let path = scratch.appendingPathComponent("twindup.prom").path
        let messages = LogLines()
        let logger = Logger(label: "test") { _ in messages }
        let textfile = MetricsTextfile(path: path, interval: 1, logger: logger) { "# HELP a b\n# TYPE a gauge\na 1\n" }
        for _ in 0..<3 { textfile.writeNow() }
        let warnings = messages.lines.filter { $0.hasPrefix("warning") }
        #expect(warnings.count == 1, "\(messages.lines)")
        #expect(warnings.first?.contains("cannot write the metrics file \(path)") == true, "\(warnings)")
        #expect(warnings.first?.contains("No such file or directory") == true, "\(warnings)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        textfile.writeNow()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "# HELP a b\n# TYPE a gauge\na 1\n")
        #expect(messages.lines.last?.contains("written again") == true, "\(messages.lines)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["twindup.prom"])
    }
}

/// Keeps what a logger was told, as "level message" lines.
private final class LogLines: LogHandler, Sendable {
    private let stored = Mutex<[String]>([])
    var lines: [String] { stored.withLock { $0 } }

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        stored.withLock { $0.append("\(event.level) \(event.message)") }
    }
}
