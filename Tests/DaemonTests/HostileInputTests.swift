import Foundation
import TestSupport
import Testing

/// What anyone who can write to a watched folder can put there, against `twindup watch` as a real process: the
/// daemon keeps running, reads nothing it must not, gives each file at most one report line that every JSON
/// parser accepts, and still indexes the ordinary files that come after.
@Suite("twindup watch against hostile input", .serialized)
struct HostileInputTests {
    @Test(
        "FIFOs, sockets and device nodes named like pictures are never opened, and never block the daemon",
        .enabled(if: SystemPrivileges.canMakeDeviceNodes, "needs mknod (root outside a restricted container)"))
    func specialFilesNeverBlock() throws {
        let fixture = try WatchFixture()
        func makeAll(_ suffix: String) throws {
            try HostileFiles.makeFIFO(fixture.path("fifo\(suffix).jpg"))
            try HostileFiles.makeSocket(fixture.path("socket\(suffix).png"))
            try HostileFiles.makeDevice(fixture.path("null\(suffix).jpg"), character: true, major: 1, minor: 3)
            try HostileFiles.makeDevice(fixture.path("loop\(suffix).png"), character: false, major: 7, minor: 0)
        }
        try makeAll("-before")  // found by the start-up scan
        try fixture.start()
        try makeAll("-after")  // seen by inotify
        try HostileFiles.makeFIFO(fixture.outside + "/moved-in")
        try HostileFiles.rename(fixture.outside + "/moved-in", over: fixture.path("moved-in.jpg"))
        try fixture.copy(Pictures.photo, to: "photo.jpg")
        try fixture.copy(Pictures.photo, to: "copy.jpg")
        #expect(
            fixture.waitForReport { $0.contains { $0["path"] as? String == fixture.path("copy.jpg") } },
            "a picture dropped after the special files was never reported; daemon said: \(fixture.standardError)")
        #expect(fixture.waitForIdle())
        #expect(Set(try fixture.indexedFiles().keys) == [fixture.path("photo.jpg"), fixture.path("copy.jpg")])
        let named = try fixture.findings().compactMap { $0["path"] as? String }
        #expect(named == [fixture.path("copy.jpg")], "report lines about special files: \(named)")
        for fifo in ["fifo-before.jpg", "fifo-after.jpg", "moved-in.jpg"] {
            // A writer opening without blocking fails with ENXIO only when no reader has the FIFO open or waits.
            let writer = open(fixture.path(fifo), O_WRONLY | O_NONBLOCK)
            #expect(writer < 0 && errno == ENXIO, "the daemon holds \(fifo) open, or waits on it, for reading")
            if writer >= 0 { close(writer) }
        }
        #expect(fixture.stop() == 0)
    }

    @Test("a FIFO swapped in for a picture after the daemon listed it does not block the reader")
    func fifoSwappedInAfterListing() throws {
        let fixture = try WatchFixture()
        // 300 files holding one picture (different bytes each), present before the start: the start-up rescan
        // lists them all (lstat), then reads them two at a time. The time between is the race's window.
        let names = (0..<300).map { "race/\($0).png" }
        try FileManager.default.createDirectory(atPath: fixture.path("race"), withIntermediateDirectories: true)
        for (number, name) in names.enumerated() {
            try fixture.write(try MadePictures.tagged(Pictures.street, "\(number)"), to: fixture.path(name))
            try HostileFiles.makeFIFO(fixture.outside + "/fifo-\(number)")
        }
        try fixture.start(waitForStartupScan: false)
        // The first commit comes after the listing: from then on every file not indexed yet is listed, not read.
        #expect(waitUntil(timeout: 60, interval: 0.01) { ((try? fixture.indexedFiles()) ?? [:]).count > 0 })
        let indexed = try fixture.indexedFiles()
        var swapped: Set<String> = []
        for (number, name) in names.enumerated() where indexed[fixture.path(name)] == nil {
            try HostileFiles.rename(fixture.outside + "/fifo-\(number)", over: fixture.path(name))
            swapped.insert(fixture.path(name))
        }
        try #require(!swapped.isEmpty, "every file was read before the swap: the race was not provoked")
        try fixture.copy(Pictures.photo, to: "after.jpg")
        #expect(
            fixture.waitForIndexed(fixture.path("after.jpg"), timeout: 60),
            """
            a picture dropped after \(swapped.count) FIFOs took the place of listed pictures was never indexed: \
            the reader is stuck opening a FIFO
            """)
        let kept = Set(names.map(fixture.path)).subtracting(swapped).union([fixture.path("after.jpg")])
        #expect(fixture.waitUntilIndexEquals(kept), "FIFOs left in the index, or pictures lost")
        // A file read before its swap has its line; a FIFO is not a picture, and not an error either.
        let errors = try fixture.findings().filter {
            $0["event"] as? String == "decode_error" && swapped.contains($0["path"] as? String ?? "")
        }
        #expect(errors.isEmpty, "FIFOs reported as decode errors: \(errors)")
        #expect(fixture.stop() == 0)
    }

    @Test(
        "an unreadable picture is a decode_error saying why, and is read once it is made readable",
        .enabled(if: SystemPrivileges.canRunAsAnotherUser, "needs setpriv to run the daemon as nobody (root)"))
    func unreadableThenReadable() throws {
        let fixture = try WatchFixture()
        // Root reads anything: the daemon runs as nobody, in folders it owns.
        try fixture.handOver(toUser: 65534)
        try fixture.start(launcher: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
        let status = try String(contentsOfFile: "/proc/\(fixture.daemon!.processIdentifier)/status", encoding: .utf8)
        try #require(status.contains("\nUid:\t65534\t"), "the daemon does not run as nobody:\n\(status)")
        try fixture.copy(Pictures.photo, to: "photo.jpg")
        #expect(fixture.waitForIndexed(fixture.path("photo.jpg")))
        let locked = fixture.path("locked.jpg")
        try HostileFiles.write(
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: Pictures.photo))), toPathBytes: Array(locked.utf8),
            mode: 0)
        #expect(fixture.waitForReport { $0.contains { $0["path"] as? String == locked } })
        let error = try fixture.findings().first { $0["path"] as? String == locked }
        #expect(error?["event"] as? String == "decode_error", "\(error ?? [:])")
        #expect(
            (error?["error"] as? String)?.contains("Permission denied") == true,
            "the decode_error does not say the file is unreadable: \(error ?? [:])")
        #expect(try fixture.indexedFiles()[locked] == nil, "an unreadable file was indexed")
        #expect(chmod(locked, 0o644) == 0)
        #expect(
            fixture.waitForReport { lines in
                lines.contains { $0["path"] as? String == locked && $0["event"] as? String == "exact_duplicate" }
            }, "the file was not read again once readable; report: \((try? fixture.findings()) ?? [])")
        #expect(fixture.stop() == 0)
    }

    @Test("files deleted or replaced between their event and their read: no error, no stale row, the daemon goes on")
    func filesVanishingBeforeTheRead() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        try FileManager.default.createDirectory(atPath: fixture.path("flash"), withIntermediateDirectories: true)
        for number in 0..<400 {
            let path = fixture.path("flash/\(number).jpg")
            try fixture.write(try MadePictures.tagged(Pictures.photo, "flash \(number)"), to: path)
            #expect(unlink(path) == 0)
        }
        for number in 0..<100 {
            let staged = fixture.outside + "/next.png"
            try fixture.write(try MadePictures.tagged(Pictures.monkey, "swap \(number)"), to: staged)
            try HostileFiles.rename(staged, over: fixture.path("swap.png"))
        }
        try fixture.copy(Pictures.street, to: "after.png")
        #expect(fixture.waitForIndexed(fixture.path("after.png")), "\(fixture.standardError)")
        #expect(fixture.waitUntilIndexEquals([fixture.path("swap.png"), fixture.path("after.png")]))
        #expect(fixture.waitForIdle())
        let row = try fixture.indexRows().first { $0.path == Array(fixture.path("swap.png").utf8) }
        var info = stat()
        #expect(lstat(fixture.path("swap.png"), &info) == 0)
        #expect(row?.inode == Int64(info.st_ino), "swap.png's row is not the file now under that name")
        let errors = try fixture.findings().filter { $0["event"] as? String == "decode_error" }
        #expect(errors.isEmpty, "a file that vanished before it was read is not a decode error: \(errors)")
        #expect(fixture.stop() == 0)
    }

    @Test("symbolic links (loops, links out of the tree, to folders) are never followed")
    func symbolicLinksAreNeverFollowed() throws {
        let fixture = try WatchFixture()
        try fixture.copy(Pictures.photo, to: "../outside/secret.jpg")
        try fixture.copy(Pictures.monkey, to: "../outside/folder/deep.png")
        func makeLinks(_ suffix: String) throws {
            let links = [
                ("escape\(suffix).jpg", fixture.outside + "/secret.jpg"), ("escape-dir\(suffix)", fixture.outside),
                ("loop\(suffix)", "."), ("up\(suffix)", ".."), ("self\(suffix).jpg", "self\(suffix).jpg"),
                ("a\(suffix).jpg", "b\(suffix).jpg"), ("b\(suffix).jpg", "a\(suffix).jpg"),
            ]
            for (name, target) in links {
                #expect(symlink(target, fixture.path(name)) == 0, "symlink \(name)")
            }
        }
        try makeLinks("-before")
        try fixture.start()
        try makeLinks("-after")
        try fixture.copy(Pictures.street, to: "../outside/folder/later.png")
        try fixture.copy(Pictures.street, to: "real.png")
        #expect(fixture.waitForIndexed(fixture.path("real.png")))
        #expect(fixture.waitForIdle())
        let indexed = Set(try fixture.indexedFiles().keys)
        #expect(indexed == [fixture.path("real.png")], "followed a link: \(indexed)")
        let findings = try fixture.findings()
        #expect(findings.isEmpty, "report lines about links: \(findings)")
        #expect(fixture.stop() == 0)
    }

    @Test("names with newlines, quotes, backslashes, control characters and invalid UTF-8 give one exact line each")
    func hostileNames() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        try fixture.copy(Pictures.photo, to: "photo.jpg")
        #expect(fixture.waitForIndexed(fixture.path("photo.jpg")))
        let forged = "\"}\n{\"ts\":\"2026-01-01T00:00:00.000Z\",\"event\":\"near_duplicate\",\"path\":\"forged.jpg"
        let texts: [String] = [
            "new\nline.jpg", "quote\"d.jpg", "back\\slash.jpg", "tab\tand\rreturn.jpg", "bell\u{7}\u{1B}[31m.jpg",
            "line\u{2028}separator.jpg", forged + ".jpg", "trailing\\.jpg",
        ]
        let jpg = Array(".jpg".utf8)
        var names: [[UInt8]] = texts.map { Array($0.utf8) }
        names.append([0xFF, 0xFE] + jpg)  // never UTF-8
        names.append(Array("caf".utf8) + [0xE9] + jpg)  // Latin-1
        names.append(Array("half".utf8) + [0xE2, 0x82] + jpg)  // a sequence cut short
        names.append(Array("surrogate".utf8) + [0xED, 0xA0, 0x80] + jpg)  // CESU-8
        let photo = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Pictures.photo)))
        let paths = names.map { Array(fixture.watched.utf8) + [UInt8(ascii: "/")] + $0 }
        for path in paths { try HostileFiles.write(photo, toPathBytes: path) }
        #expect(fixture.waitForReport { $0.count >= 2 + names.count })
        #expect(fixture.waitForIdle())
        // `report()` parses every line as a JSON object: a name that broke a line would fail it.
        let findings = try fixture.findingsByPathBytes()
        let reported = findings.map(\.bytes)
        #expect(reported.count == names.count, "\(names.count) files gave \(reported.count) lines")
        #expect(Set(reported) == Set(paths), "path or path_bytes does not give back the exact names")
        #expect(findings.allSatisfy { $0.line["event"] as? String == "exact_duplicate" })
        #expect(try fixture.report().allSatisfy { ($0["path"] as? String)?.hasSuffix("forged.jpg") != true })
        #expect(Set(try fixture.indexRows().map(\.path)) == Set(paths + [Array(fixture.path("photo.jpg").utf8)]))
        #expect(fixture.stop() == 0)
    }

    @Test("decompression bombs: gigapixel headers are decode_errors, inflating chunks are skipped without the memory")
    func decompressionBombs() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        let before = try fixture.peakMemoryBytes()
        let photo = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Pictures.photo)))
        let inflated = 512 << 20
        try fixture.write(PictureBombs.pngClaiming(width: 100_000, height: 100_000), to: fixture.path("huge.png"))
        try fixture.write(
            try #require(PictureBombs.jpegClaiming(side: 65500, from: photo)), to: fixture.path("huge.jpg"))
        try fixture.write(PictureBombs.pngWithTextBomb(inflatedBytes: inflated), to: fixture.path("ztxt.png"))
        try fixture.write(PictureBombs.pngWithProfileBomb(inflatedBytes: inflated), to: fixture.path("iccp.png"))
        for name in ["huge.png", "huge.jpg"] {
            #expect(
                fixture.waitForReport(timeout: 30) { $0.contains { $0["path"] as? String == fixture.path(name) } },
                "no report line for \(name) within 30 s")
        }
        for name in ["ztxt.png", "iccp.png"] { #expect(fixture.waitForIndexed(fixture.path(name), timeout: 30)) }
        #expect(fixture.waitForIdle())
        let errors = try fixture.findings().filter { $0["event"] as? String == "decode_error" }
        #expect(
            Set(errors.compactMap { $0["path"] as? String }) == [fixture.path("huge.png"), fixture.path("huge.jpg")],
            "decode errors: \(errors)")
        #expect(
            errors.allSatisfy { ($0["error"] as? String)?.contains("too large") == true },
            "the error does not say the picture is too large: \(errors)")
        let rows = try fixture.indexRows().filter { $0.decodeError == nil }
        #expect(rows.count == 2 && rows.allSatisfy { $0.width == 8 }, "the pictures under the chunk bombs: \(rows)")
        let grown = try fixture.peakMemoryBytes() - before
        #expect(grown < 128 << 20, "peak memory grew by \(grown >> 20) MiB reading bombs of \(inflated >> 20) MiB")
        #expect(fixture.stop() == 0)
    }

    @Test("a PNG cut at every 1% of its length: one line each (99 truncated, 1 exact copy), no crash")
    func truncatedAtEveryPercent() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        try fixture.copy(Pictures.monkey, to: "original.png")
        #expect(fixture.waitForIndexed(fixture.path("original.png")))
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Pictures.monkey)))
        let paths = (1...100).map { fixture.path("cut/\($0)-percent.png") }
        try FileManager.default.createDirectory(atPath: fixture.path("cut"), withIntermediateDirectories: true)
        for (number, path) in zip(1...100, paths) {
            try fixture.write(Array(whole.prefix(whole.count * number / 100)), to: path)
        }
        #expect(fixture.waitForIndexCount(101, timeout: 60), "\(fixture.standardError)")
        #expect(fixture.waitForIdle())
        let lines = try fixture.findings()
        let rows = Dictionary(
            uniqueKeysWithValues: try fixture.indexRows().map { (String(decoding: $0.path, as: UTF8.self), $0) })
        for path in paths.dropLast() {
            let about = lines.filter { $0["path"] as? String == path }
            #expect(about.count == 1, "\(path) gave \(about.count) report lines, not one")
            #expect(
                about.first?["event"] as? String == "decode_error"
                    && (about.first?["error"] as? String)?.hasPrefix("truncated") == true,
                "\(path) is not reported as truncated: \(about)")
            #expect(rows[path]?.decodeError != nil, "\(path) has no row remembering its error")
        }
        let whole100 = lines.filter { $0["path"] as? String == paths[99] }
        #expect(whole100.count == 1 && whole100.first?["event"] as? String == "exact_duplicate", "\(whole100)")
        #expect(fixture.isRunning)
        #expect(fixture.stop() == 0)
    }

    @Test("a PNG named .jpg and a JPEG named .png decode; text named .png is a decode_error")
    func wrongExtensions() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        try fixture.copy(Pictures.monkey, to: "monkey.jpg")
        try fixture.copy(Pictures.photo, to: "photo.png")
        try fixture.write(Array("GIF89a, or so it says".utf8), to: fixture.path("text.png"))
        #expect(fixture.waitForIndexCount(3))
        #expect(fixture.waitForIdle())
        let rows = try fixture.indexRows()
        for name in ["monkey.jpg", "photo.png"] {
            let row = rows.first { $0.path == Array(fixture.path(name).utf8) }
            #expect(row?.decodeError == nil && row?.width != nil, "\(name) did not decode: \(String(describing: row))")
        }
        let findings = try fixture.findings()
        #expect(findings.count == 1 && findings.first?["path"] as? String == fixture.path("text.png"), "\(findings)")
        #expect((findings.first?["error"] as? String)?.contains("not a PNG or JPEG") == true, "\(findings)")
        #expect(fixture.stop() == 0)
    }
}
