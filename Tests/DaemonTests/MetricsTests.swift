import Foundation
import TestSupport
import Testing

/// The daemon's Prometheus metrics, read the way Prometheus and node_exporter read them: over a real TCP connection
/// and from the textfile, after real files were dropped into a watched folder.
@Suite("twindup watch metrics", .serialized)
struct MetricsTests {
    @Test("after a scripted drop, the counters equal the report log's lines and the index, over HTTP and in the file")
    func countersMatchReportLog() throws {
        let fixture = try WatchFixture()
        let textfile = fixture.root.appendingPathComponent("prom/twindup.prom").path
        try FileManager.default.createDirectory(
            atPath: (textfile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let started = Date().timeIntervalSince1970
        try fixture.start([
            "--metrics-listen", "127.0.0.1:0", "--metrics-textfile", textfile, "--metrics-interval", "1",
            "--queue-capacity", "777",
        ])
        let port = try #require(fixture.metricsPort, "the daemon did not say where it serves metrics")

        // Originals first, so that what follows has something to match.
        try fixture.copy(Pictures.photo, to: "photo.jpg")
        try fixture.copy(Pictures.monkey, to: "monkey.png")
        #expect(fixture.waitForIndexed(fixture.path("photo.jpg")) && fixture.waitForIndexed(fixture.path("monkey.png")))
        try fixture.copy(Pictures.photo, to: "copy of photo.jpg")
        try fixture.copy(Pictures.monkey, to: "copy of monkey.png")
        try fixture.write(try Pictures.photoResizedAndRecompressed(), to: fixture.path("photo small.jpg"))
        try fixture.write(Array("not a picture at all\n".utf8), to: fixture.path("corrupt.jpg"))
        try fixture.write(
            Array(try Data(contentsOf: URL(fileURLWithPath: Pictures.monkey)).prefix(100)),
            to: fixture.path("truncated.png"))
        try fixture.copy(Pictures.street, to: "street.png")
        for (number, bytes) in try MadePictures.distinct(3).enumerated() {
            try fixture.write(bytes, to: fixture.path("made \(number).jpg"))
        }
        let dropped = 11
        #expect(fixture.waitForIndexCount(dropped), "\(fixture.standardError)")
        #expect(fixture.waitForIdle())

        let rows = try fixture.indexRows().count
        let report = try fixture.report()
        func lines(_ event: String) -> Int { report.filter { $0["event"] as? String == event }.count }
        // The scenario is what it should be: otherwise equal counts would prove little.
        try #require(
            lines("exact_duplicate") >= 2 && lines("near_duplicate") >= 1 && lines("decode_error") == 2,
            "the drop did not give the findings it was made for: \(report)")

        let http = try HTTPResponse.get("/metrics", port: port)
        #expect(http.status == 200)
        #expect(http.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(http.headers["content-length"] == String(http.body.utf8.count))
        let scraped = try Exposition(parsing: http.body)
        // The file follows within its interval.
        var fromFile: Exposition?
        #expect(
            waitUntil(timeout: 10, interval: 0.2) {
                fromFile = (try? String(contentsOfFile: textfile, encoding: .utf8)).flatMap {
                    try? Exposition(parsing: $0)
                }
                return fromFile?.value("twindup_files_indexed_total") == Double(rows)
            }, "the metrics file never showed the indexed files")

        for (source, metrics) in [("/metrics", scraped), ("the textfile", fromFile ?? scraped)] {
            #expect(metrics.value("twindup_exact_duplicates_total") == Double(lines("exact_duplicate")), "\(source)")
            #expect(metrics.value("twindup_near_duplicates_total") == Double(lines("near_duplicate")), "\(source)")
            #expect(metrics.value("twindup_decode_errors_total") == Double(lines("decode_error")), "\(source)")
            #expect(metrics.value("twindup_files_indexed_total") == Double(rows), "\(source)")
            #expect(metrics.value("twindup_index_files") == Double(rows), "\(source)")
            // Every file arrived by an inotify event, so each was timed from it to its commit.
            #expect(metrics.value("twindup_processing_latency_seconds_count") == Double(rows), "\(source)")
            #expect((metrics.value("twindup_files_seen_total") ?? 0) >= Double(dropped), "\(source)")
            #expect(
                metrics.value("twindup_rescans_total", ["reason": "startup"]) == Double(lines("rescan")), "\(source)")
            #expect(metrics.value("twindup_queue_depth") == 0, "\(source)")
            #expect(metrics.value("twindup_queue_capacity") == 777, "\(source)")
            #expect(metrics.value("twindup_dropped_events_total") == 0, "\(source)")
        }
        let model = try #require(report.first { $0["event"] as? String == "started" }?["model"] as? String)
        #expect(scraped.value("twindup_model_info", ["model": model]) == 1, "model_info does not name \(model)")
        let start = try #require(scraped.value("twindup_process_start_time_seconds"))
        #expect(start >= started - 5 && start <= Date().timeIntervalSince1970, "process start \(start)")

        var info = stat()
        #expect(stat(textfile, &info) == 0 && info.st_mode & 0o777 == 0o644, "the metrics file is not mode 0644")
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: (textfile as NSString).deletingLastPathComponent)
        #expect(leftovers == ["twindup.prom"], "temporary files left beside the metrics file: \(leftovers)")
        #expect(fixture.stop() == 0)
    }

    @Test(
        "404 and 405 elsewhere; a silent, a slow and an oversized client do not stop scrapes; the file is written at exit"
    )
    func statusesAndStubbornClients() throws {
        let fixture = try WatchFixture()
        let textfile = fixture.root.appendingPathComponent("twindup.prom").path
        // An interval longer than the test: the file is written at start-up and at exit only.
        try fixture.start([
            "--metrics-listen", "127.0.0.1:0", "--metrics-textfile", textfile, "--metrics-interval", "3600",
        ])
        let port = try #require(fixture.metricsPort, "the daemon did not say where it serves metrics")

        let silent = try TCPConnection(port: port)
        let slow = try TCPConnection(port: port)
        try slow.send("GET /metr")
        #expect(try HTTPResponse.get("/metrics", port: port).status == 200, "a silent client blocked the scrape")
        #expect(try HTTPResponse.get("/", port: port).status == 404)
        #expect(try HTTPResponse.get("/metrics/other", port: port).status == 404)
        let post = try HTTPResponse.fetch("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", port: port)
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, HEAD")
        let head = try HTTPResponse.fetch("HEAD /metrics HTTP/1.1\r\n\r\n", port: port)
        #expect(head.status == 200 && head.body.isEmpty && Int(head.headers["content-length"] ?? "") ?? 0 > 0)
        #expect(try HTTPResponse.fetch("hello\r\n\r\n", port: port).status == 400)
        let oversized = "GET /metrics HTTP/1.1\r\n" + String(repeating: "X-Filler: 0123456789\r\n", count: 500)
        #expect(try HTTPResponse.fetch(oversized, port: port).status == 431)
        try slow.send("ics HTTP/1.1\r\n\r\n")
        #expect(try HTTPResponse(slow.readToEnd()).status == 200, "a request sent in two parts was not answered")
        // The silent client is dropped after the read timeout with 408.
        #expect(try HTTPResponse(silent.readToEnd()).status == 408)

        try fixture.copy(Pictures.photo, to: "photo.jpg")
        #expect(fixture.waitForIndexed(fixture.path("photo.jpg")))
        #expect(fixture.waitForIdle())
        let before = try Exposition(parsing: try String(contentsOfFile: textfile, encoding: .utf8))
        #expect(before.value("twindup_files_indexed_total") == 0, "the file was written before its interval")
        // A client connected at shutdown does not hold the daemon up.
        let lingering = try TCPConnection(port: port)
        #expect(fixture.stop() == 0)
        withExtendedLifetime(lingering) {}
        let after = try Exposition(parsing: try String(contentsOfFile: textfile, encoding: .utf8))
        #expect(after.value("twindup_files_indexed_total") == 1, "the file was not written at exit")
    }

    @Test("a reload moves the metrics file at once; a new listen address waits for a restart")
    func reloadMovesTheTextfile() throws {
        let fixture = try WatchFixture()
        let config = fixture.root.appendingPathComponent("twindup.toml").path
        let first = fixture.root.appendingPathComponent("first.prom").path
        let second = fixture.root.appendingPathComponent("second.prom").path
        try "metrics_textfile = \"\(first)\"\nmetrics_interval_seconds = 3600\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        try fixture.start(["--config", config])
        #expect(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: first) }, "\(fixture.standardError)")
        try "metrics_textfile = \"\(second)\"\nmetrics_interval_seconds = 3600\nmetrics_listen = \"9464\"\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        fixture.daemon?.send(SIGHUP)
        #expect(
            waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: second) },
            "the reloaded metrics file was not written at once: \(fixture.standardError)")
        let text = try String(contentsOfFile: second, encoding: .utf8)
        #expect(try Exposition(parsing: text).value("twindup_queue_capacity") == 8192)
        #expect(
            fixture.standardError.contains("take effect at the next restart: metrics_listen"),
            "\(fixture.standardError)")
        #expect(fixture.isRunning)
        #expect(fixture.stop() == 0)
    }

    @Test("an address in use stops the start with exit status 78 and a message naming it")
    func addressInUse() throws {
        let fixture = try WatchFixture()
        let occupant = try ListeningSocket()
        let executable = try BuiltExecutable(named: "twindup")
        let address = "127.0.0.1:\(occupant.port)"
        let result = try executable.run([
            "watch", fixture.watched, "--index", fixture.indexPath, "--report", fixture.reportPath,
            "--metrics-listen", address,
        ])
        #expect(result.status == 78, "exit status \(result.status); it said: \(result.standardError)")
        #expect(result.standardError.contains("metrics_listen \(address)"), "\(result.standardError)")
        #expect(result.standardError.contains("in use"), "\(result.standardError)")
    }
}

extension WatchFixture {
    /// The port the daemon said it serves metrics on (`serving metrics at http://127.0.0.1:PORT/metrics`).
    var metricsPort: UInt16? {
        let marker = "serving metrics at http://127.0.0.1:"
        guard let range = standardError.range(of: marker) else { return nil }
        return UInt16(standardError[range.upperBound...].prefix { $0.isNumber })
    }
}

/// A TCP socket listening on a free loopback port, to occupy it.
final class ListeningSocket {
    let port: UInt16
    private let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw TCPConnection.Failed(description: "socket: \(String(cString: strerror(errno)))")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 1) == 0
                    && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw TCPConnection.Failed(description: "cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        port = UInt16(bigEndian: address.sin_port)
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
