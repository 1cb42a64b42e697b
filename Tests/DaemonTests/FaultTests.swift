import Foundation
import ImageIO
import TestSupport
import Testing

/// Faults around `twindup watch`, run for real: `kill -9` in the middle of a drop, a full file system under the
/// report log and under the index, and an inotify watch limit too small for the tree. Each time the daemon must
/// keep running (or restart cleanly) and no finding may be lost.
@Suite("twindup watch under faults", .serialized)
struct FaultTests {
    @Test("kill -9 at random moments while 1,000 files arrive: each file is indexed once and no finding is lost")
    func killNineDuringADrop() throws {
        let fixture = try WatchFixture()
        // TWINDUP_KILL_SEED replays a failed run's kill points and file order.
        let seed =
            ProcessInfo.processInfo.environment["TWINDUP_KILL_SEED"].flatMap { UInt64($0) }
            ?? UInt64(Date().timeIntervalSince1970 * 1000)
        var random = SeededRandom(seed: seed)
        // 250 pictures, each four times, in shuffled order across ten folders.
        let pictures = try MadePictures.distinct(250)
        var order = (0..<1000).map { $0 % 250 }
        order.shuffle(using: &random)
        let paths = order.indices.map { fixture.path("drop/\($0 % 10)/\($0).jpg") }
        for folder in 0..<10 {
            try FileManager.default.createDirectory(
                atPath: fixture.path("drop/\(folder)"), withIntermediateDirectories: true)
        }
        func killNow() throws {
            fixture.daemon?.send(SIGKILL)
            try #require(fixture.daemon?.waitForExit(timeout: 10) == 128 + SIGKILL, "kill -9 did not end the daemon")
        }
        try fixture.start()
        // Four kills while the files arrive, each followed by 30 files written while the daemon is down; then two
        // more while it catches up after a restart.
        let killPoints = Set((0..<4).map { _ in Int.random(in: 100..<900, using: &random) })
        var down = 0
        for (number, path) in paths.enumerated() {
            try fixture.write(pictures[order[number]], to: path)
            if killPoints.contains(number) {
                try killNow()
                down = 30
            } else if down > 0 {
                down -= 1
                if down == 0 { try fixture.start(waitForStartupScan: false) }
            }
            if number % 20 == 19 { Thread.sleep(forTimeInterval: 0.02) }
        }
        if down > 0 { try fixture.start(waitForStartupScan: false) }
        for _ in 0..<2 {
            Thread.sleep(forTimeInterval: Double.random(in: 0.1...1.0, using: &random))
            try killNow()
            try fixture.start(waitForStartupScan: false)
        }
        let kills = killPoints.count + 2
        try killNow()
        try fixture.start()
        #expect(fixture.waitForIndexCount(1000, timeout: 120), "seed \(seed): \(fixture.standardError)")
        #expect(fixture.waitForIdle())

        let rows = try fixture.indexRows()
        #expect(rows.count == 1000, "seed \(seed): the index holds \(rows.count) rows for 1,000 files")
        #expect(Set(rows.map(\.path)) == Set(paths.map { Array($0.utf8) }), "seed \(seed): other paths indexed")
        #expect(Set(rows.map(\.inode)).count == rows.count, "seed \(seed): a file is indexed under two rows")
        #expect(rows.allSatisfy { $0.decodeError == nil }, "seed \(seed): a half-written file kept its decode_error")
        #expect(try fixture.integrityCheck() == ["ok"])
        #expect(try fixture.danglingFindings() == 0, "seed \(seed): findings point at rows that do not exist")
        // `report()` parses every line: a kill never leaves half a line.
        let findings = try fixture.findings()
        #expect(findings.allSatisfy { $0["path"] as? String != $0["match"] as? String }, "a file matched itself")
        let reported = Set(findings.compactMap { $0["path"] as? String })
        for picture in 0..<250 {
            let silent = paths.indices.filter { order[$0] == picture && !reported.contains(paths[$0]) }
            #expect(
                silent.count <= 1,
                "seed \(seed), \(kills) kills: copies of one picture without a report line: \(silent.map { paths[$0] })"
            )
        }
        #expect(fixture.stop() == 0)
    }

    @Test(
        "report log on a full file system: an error naming it and ENOSPC, then every held-back finding once freed",
        .enabled(if: SystemPrivileges.canMountTmpfs, "needs to mount a tmpfs (root with CAP_SYS_ADMIN)"))
    func reportLogOnAFullFileSystem() throws {
        let fixture = try WatchFixture(reportFolder: "report-fs")
        let small = try SmallFileSystem(mountedOn: fixture.root.path + "/report-fs", bytes: 256 << 10)
        try fixture.start()
        let expected = try dropDuplicatesWhileFull(fixture, small)
        #expect(
            waitUntil(timeout: 30) {
                let said = fixture.standardError
                return said.contains(fixture.reportPath) && said.contains("ENOSPC")
            }, "no error naming the report log and ENOSPC; the daemon said: \(fixture.standardError)")
        try expectRecovery(fixture, small, expected: expected)
    }

    @Test(
        "index on a full file system: an error naming it and ENOSPC, then every file indexed and reported once freed",
        .enabled(if: SystemPrivileges.canMountTmpfs, "needs to mount a tmpfs (root with CAP_SYS_ADMIN)"))
    func indexOnAFullFileSystem() throws {
        let fixture = try WatchFixture(indexFolder: "state-fs")
        let small = try SmallFileSystem(mountedOn: fixture.root.path + "/state-fs", bytes: 4 << 20)
        try fixture.start()
        let expected = try dropDuplicatesWhileFull(fixture, small)
        #expect(
            waitUntil(timeout: 30) {
                let said = fixture.standardError
                return said.contains(fixture.indexPath) && said.contains("ENOSPC")
            }, "no error naming the index and ENOSPC; the daemon said: \(fixture.standardError)")
        try expectRecovery(fixture, small, expected: expected)
        #expect(try fixture.integrityCheck() == ["ok"])
        #expect(try fixture.danglingFindings() == 0)
    }

    @Test(
        "more folders than inotify watches: the error says how to raise the limit, rescans find the rest",
        .enabled(
            if: SystemPrivileges.canLimitInotifyInUserNamespace,
            "needs a user namespace whose inotify limit it can set (unshare -U -r)"))
    func watchLimitExhausted() throws {
        let fixture = try WatchFixture()
        let folders = (0..<8).map { "folder-\($0)" }
        for folder in folders {
            try FileManager.default.createDirectory(atPath: fixture.path(folder), withIntermediateDirectories: true)
        }
        // A user namespace has its own inotify limit, which its root may lower: 4 watches for 9 folders.
        let limitedTo4 = "echo 4 > /proc/sys/user/max_inotify_watches && exec \"$0\" \"$@\""
        try fixture.start(
            ["--rescan-interval", "1"], launcher: ["/usr/bin/unshare", "-U", "-r", "/bin/sh", "-c", limitedTo4])
        let said = fixture.standardError
        #expect(said.contains("fs.inotify.max_user_watches"), "the error does not name the limit: \(said)")
        #expect(
            said.contains("sysctl -w fs.inotify.max_user_watches="), "the error does not say how to raise it: \(said)")
        let placed = folders.map { "\($0)/photo.jpg" } + ["late/deeper/photo.jpg"]
        for (number, relative) in placed.enumerated() {
            try FileManager.default.createDirectory(
                atPath: fixture.path((relative as NSString).deletingLastPathComponent),
                withIntermediateDirectories: true)
            try fixture.write(try MadePictures.tagged(Pictures.photo, "\(number)"), to: fixture.path(relative))
        }
        #expect(
            waitUntil(timeout: 30) {
                let indexed = (try? fixture.indexedFiles()) ?? [:]
                return placed.allSatisfy { indexed[fixture.path($0)] != nil }
            },
            "files in unwatched folders were not found by the periodic rescan: \(((try? fixture.indexedFiles()) ?? [:]).keys.sorted())"
        )
        #expect(try fixture.report().contains { $0["reason"] as? String == "periodic" })
        #expect(fixture.isRunning)
        #expect(fixture.stop() == 0)
    }

    /// Indexes the photo, fills `small`, then drops near and exact copies of it; returns their paths.
    private func dropDuplicatesWhileFull(_ fixture: WatchFixture, _ small: SmallFileSystem) throws -> [String] {
        try fixture.copy(Pictures.photo, to: "original.jpg")
        #expect(fixture.waitForIndexed(fixture.path("original.jpg")))
        try small.fill()
        let photo = try ImageDecoder().decode(fileAt: Pictures.photo)
        var paths: [String] = []
        for quality in stride(from: 50, through: 95, by: 5) {
            let path = fixture.path("near-\(quality).jpg")
            try fixture.write(try JPEGEncoder.encode(photo, quality: quality), to: path)
            paths.append(path)
        }
        for number in 0..<8 {
            try fixture.copy(Pictures.photo, to: "copy-\(number).jpg")
            paths.append(fixture.path("copy-\(number).jpg"))
        }
        return paths
    }

    /// The daemon keeps running while the file system is full; once freed, every file is indexed and reported.
    private func expectRecovery(_ fixture: WatchFixture, _ small: SmallFileSystem, expected: [String]) throws {
        Thread.sleep(forTimeInterval: 2)
        #expect(fixture.isRunning, "the daemon exited on a full file system: \(fixture.standardError)")
        try small.free()
        // Lines written before a failed commit are already there: wait for the rows too.
        let recovered = fixture.waitForReport(timeout: 60) { lines in
            let reported = Set(lines.compactMap { $0["path"] as? String })
            let indexed = (try? fixture.indexedFiles()) ?? [:]
            return expected.allSatisfy { reported.contains($0) && indexed[$0] != nil }
        }
        let reported = Set(((try? fixture.findings()) ?? []).compactMap { $0["path"] as? String })
        let indexed = (try? fixture.indexedFiles()) ?? [:]
        #expect(
            recovered,
            """
            once space was freed, files still lack their report line: \(expected.filter { !reported.contains($0) }), \
            or their row: \(expected.filter { indexed[$0] == nil }); the daemon said: \(fixture.standardError)
            """)
        #expect(fixture.waitForIdle())
        // `report()` parses every line: a line cut short by the full disk must not remain.
        let findings = try fixture.findings()
        #expect(
            findings.allSatisfy { $0["path"] as? String != $0["match"] as? String },
            "a file was reported as a duplicate of itself: \(findings.filter { $0["path"] as? String == $0["match"] as? String })"
        )
        for path in expected where path.contains("copy-") {
            #expect(findings.contains { $0["path"] as? String == path && $0["event"] as? String == "exact_duplicate" })
        }
        #expect(fixture.stop() == 0)
    }
}

/// A small reproducible random source (SplitMix64), so that a failing run can be told by its seed.
struct SeededRandom: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
