import Foundation
import Testing

@testable import Daemon

@Suite("The configuration file")
struct ConfigurationFileTests {
    @Test("every key of the file is read, with comments, literal strings and a list over several lines")
    func readsEveryKey() throws {
        let text = """
            # twindup
            watch = [
                "/srv/photos",   # the archive
                '/srv/drop',
            ]
            report = "/var/log/twindup/report.jsonl"
            index = '/var/lib/twindup/index.sqlite'
            model = "/usr/share/twindup/twindup.safetensors"
            threshold = 0.95
            settle_seconds = 5
            workers = 0
            queue_capacity = 1_000
            rescan_interval_seconds = 3600.0
            log_level = "debug"
            metrics_textfile = "/var/lib/prometheus/node-exporter/twindup.prom"
            metrics_interval_seconds = 30
            metrics_listen = "[::1]:9464"
            """
        let file = try writeScratch(text)
        let settings = try WatchSettings.load(configurationAt: file)
        #expect(settings.directories == ["/srv/photos", "/srv/drop"])
        #expect(settings.report == "/var/log/twindup/report.jsonl")
        #expect(settings.index == "/var/lib/twindup/index.sqlite")
        #expect(settings.model == "/usr/share/twindup/twindup.safetensors")
        #expect(settings.threshold == 0.95)
        #expect(settings.settleSeconds == 5)
        #expect(settings.workers == nil)
        #expect(settings.queueCapacity == 1000)
        #expect(settings.rescanIntervalSeconds == 3600)
        #expect(settings.logLevel == .debug)
        #expect(settings.metricsTextfile == "/var/lib/prometheus/node-exporter/twindup.prom")
        #expect(settings.metricsIntervalSeconds == 30)
        #expect(settings.metricsListen?.description == "[::1]:9464")
        // What --check-config prints reads back to the same settings.
        let again = try WatchSettings.load(configurationAt: try writeScratch(settings.fileText))
        #expect(again == settings)
    }

    @Test("escapes in basic strings, including a newline and a non-ASCII scalar")
    func escapes() throws {
        let table = try ConfigurationFile.parse(#"report = "a\"b\\c\nd\u00E9\U0001F600""#, path: "x.toml")
        #expect(table["report"] == .string("a\"b\\c\nd\u{E9}\u{1F600}"))
        #expect(
            try ConfigurationFile.parse("report = \(ConfigurationFile.quoted("a\"\n\u{1}"))", path: "x")["report"]
                == .string("a\"\n\u{1}"))
    }

    @Test(
        "mistakes are refused with the file, the line and what was wrong",
        arguments: [
            ("threshold = 1.5", 1, "threshold must be a probability strictly between 0 and 1"),
            ("\n\nwatch = \"/srv\"", 3, "watch must be a list of folders"),
            ("colour = 1", 1, "unknown key colour"),
            ("[daemon]\nwatch = []", 1, "tables ([section]) are not used"),
            ("report = /var/log/x", 1, "/var/log/x is not a value (strings need quotes)"),
            ("report = \"open", 1, "unterminated string"),
            ("workers = 2\nworkers = 3", 2, "workers is set twice"),
            ("log_level = \"loud\"", 1, "log_level must be one of"),
            ("settle_seconds = 2 3", 1, "unexpected text after the value of settle_seconds"),
            ("watch = [\"/a\" \"/b\"]", 1, "expected , or ] in a list"),
            ("metrics_interval_seconds = 0", 1, "metrics_interval_seconds must be a number of seconds from 1 to 3600"),
            ("metrics_listen = \"example.com:9464\"", 1, "metrics_listen must be an address such as"),
            ("metrics_listen = 9464", 1, "metrics_listen must be an address in quotes"),
        ])
    func mistakes(text: String, line: Int, message: String) throws {
        let file = try writeScratch(text)
        let error = #expect(throws: ConfigurationError.self) { try WatchSettings.load(configurationAt: file) }
        #expect(error?.path == file)
        #expect(error?.line == line)
        #expect(error?.message.hasPrefix(message) == true, "got: \(error?.description ?? "no error")")
    }

    @Test("a missing file is named with the reason")
    func missingFile() {
        let error = #expect(throws: ConfigurationError.self) {
            try WatchSettings.load(configurationAt: "/nonexistent/twindup.toml")
        }
        #expect(error?.description.hasPrefix("/nonexistent/twindup.toml: cannot read") == true)
    }

    private func writeScratch(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "twindup-config-\(UUID().uuidString).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
