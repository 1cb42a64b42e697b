import Foundation
import TestSupport
import Testing

/// The daemon's life under systemd: notifications, signals, crashes and floods.
@Suite("twindup watch lifecycle", .serialized)
struct WatchLifecycleTests {
    @Test("systemd hears READY=1, STATUS=, WATCHDOG=1 and STOPPING=1; SIGTERM ends it with 0 within 5 s")
    func notificationsAndStop() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        // WATCHDOG_USEC is 0.4 s: beats come every 0.2 s.
        #expect(fixture.notify.waitFor("WATCHDOG=1", count: 3, timeout: 10))
        #expect(fixture.notify.waitFor("STATUS=watching 1 folders", prefix: true, timeout: 10))
        // The inotify descriptor is close-on-exec: no program the daemon might start inherits it.
        let pid = try #require(fixture.daemon?.processIdentifier)
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        let inotify = descriptors.filter {
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")
            return target == "anon_inode:inotify"
        }
        try #require(inotify.count == 1, "inotify descriptors: \(inotify)")
        let info = try String(contentsOfFile: "/proc/\(pid)/fdinfo/\(inotify[0])", encoding: .utf8)
        let flags = info.split(separator: "\n").first { $0.hasPrefix("flags:") }.flatMap {
            Int($0.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8)
        }
        #expect(flags.map { $0 & 0o2_000_000 != 0 } == true, "fdinfo: \(info)")
        // Stopping while files are being read: they are finished, the rest waits for the next start.
        for number in 0..<40 { try fixture.copy(Pictures.monkey, to: "burst/\(number).png") }
        let status = fixture.stop(timeout: 5)
        #expect(status == 0, "exit status \(status.map(String.init) ?? "none: still running after 5 s")")
        #expect(fixture.notify.lines.contains("STOPPING=1"))
        let events = try fixture.report().compactMap { $0["event"] as? String }
        #expect(events.first == "started")
        #expect(events.last == "stopped")
        // What the stop left behind is caught up by the next start.
        try fixture.start()
        #expect(fixture.waitForIndexCount(40))
        #expect(fixture.stop() == 0)
    }

    @Test("SIGHUP after logrotate renamed the log: later lines go to a new file, none is lost")
    func reopenOnHangup() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        try fixture.copy(Pictures.photo, to: "a.jpg")
        try fixture.copy(Pictures.photo, to: "b.jpg")
        #expect(fixture.waitForReport { $0.contains { $0["event"] as? String == "exact_duplicate" } })
        let rotated = fixture.reportPath + ".1"
        try FileManager.default.moveItem(atPath: fixture.reportPath, toPath: rotated)
        // Written after the rename but before the signal: lands in the renamed file, as logrotate expects.
        try fixture.copy(Pictures.photo, to: "c.jpg")
        #expect(
            waitUntil(timeout: 30) {
                (try? JSONLines.read(rotated))?.contains { $0["path"] as? String == fixture.path("c.jpg") } == true
            })
        fixture.daemon?.send(SIGHUP)
        #expect(fixture.notify.waitFor("RELOADING=1", timeout: 10))
        #expect(fixture.notify.waitFor("READY=1", count: 2, timeout: 10))
        try fixture.copy(Pictures.photo, to: "d.jpg")
        #expect(fixture.waitForReport { $0.contains { $0["path"] as? String == fixture.path("d.jpg") } })
        #expect(fixture.stop() == 0)
        let old = try JSONLines.read(rotated).compactMap { $0["path"] as? String }
        let new = try fixture.report().compactMap { $0["path"] as? String }
        #expect(old == [fixture.path("b.jpg"), fixture.path("c.jpg")], "rotated file: \(old)")
        #expect(new == [fixture.path("d.jpg")], "new file: \(new)")
        #expect(try fixture.report().last?["event"] as? String == "stopped")
    }

    @Test("kill -9, files added while it is down, restart: they are caught up and the index opens cleanly")
    func killAndCatchUp() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        try fixture.copy(Pictures.photo, to: "a.jpg")
        #expect(fixture.waitForIndexed(fixture.path("a.jpg")))
        fixture.daemon?.send(SIGKILL)
        #expect(fixture.daemon?.waitForExit(timeout: 10) == 128 + SIGKILL)
        try fixture.copy(Pictures.photo, to: "while-down/copy.jpg")
        try fixture.copy(Pictures.street, to: "while-down/street.png")
        try FileManager.default.removeItem(atPath: fixture.path("a.jpg"))
        try fixture.copy(Pictures.monkey, to: "a.png")
        try fixture.start()
        #expect(
            fixture.waitUntilIndexEquals([
                fixture.path("while-down/copy.jpg"), fixture.path("while-down/street.png"), fixture.path("a.png"),
            ]))
        #expect(
            try fixture.report().contains { $0["event"] as? String == "rescan" && $0["reason"] as? String == "startup" }
        )
        #expect(fixture.stop() == 0)
    }

    @Test("5,000 files at once into a slowed indexer with a small queue: the overflow rescan indexes every one")
    func floodOverflowsTheQueue() throws {
        let fixture = try WatchFixture()
        try fixture.start(["--queue-capacity", "64", "--test-delay-per-event", "0.002"])
        let picture = try Data(contentsOf: URL(fileURLWithPath: Pictures.street))
        for folder in 0..<10 {
            let path = fixture.path("flood/\(folder)")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for number in 0..<500 {
                // Distinct bytes for each file (a trailing comment after IEND is ignored by decoders).
                var bytes = picture
                bytes.append(contentsOf: Array("\(folder)-\(number)".utf8))
                try bytes.write(to: URL(fileURLWithPath: "\(path)/\(number).png"))
            }
        }
        #expect(fixture.waitForIndexCount(5000, timeout: 300))
        #expect(
            try fixture.report().contains {
                $0["event"] as? String == "rescan" && $0["reason"] as? String == "queue_overflow"
            })
        #expect(fixture.stop(timeout: 30) == 0)
    }

    @Test("a missing folder, a busy index and a bad configuration stop the start with a message naming them")
    func startupErrors() throws {
        let fixture = try WatchFixture()
        let executable = try BuiltExecutable(named: "twindup")
        let missing = try executable.run(["watch", fixture.root.path + "/nope", "--index", fixture.indexPath])
        #expect(missing.status != 0)
        #expect(
            missing.standardError.contains("/nope: cannot watch: No such file or directory"), "\(missing.standardError)"
        )
        let config = fixture.root.appendingPathComponent("bad.toml").path
        try "threshold = 2\n".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try executable.run(["watch", fixture.watched, "--config", config])
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("\(config):1: threshold must be a probability"), "\(bad.standardError)")
        try fixture.start()
        let second = try executable.run(["watch", fixture.watched, "--index", fixture.indexPath, "--report", "-"])
        #expect(second.status != 0)
        #expect(second.standardError.contains("another twindup process is writing to it"), "\(second.standardError)")
        #expect(fixture.stop() == 0)
    }
}

extension WatchFixture {
    func waitForIndexCount(_ indexedCount: Int, timeout: Double = 60) -> Bool {
        waitUntil(timeout: timeout, interval: 0.2) { ((try? indexedFiles())?.count ?? 0) >= indexedCount }
    }
}
