import Foundation
import ImageIO
import TestSupport
import Testing

/// `twindup dismiss` beside `twindup watch`: a dismissed pair is never reported again by the daemon, whether it was
/// dismissed while the daemon was stopped or while it ran (holding the index's writer lock).
@Suite("twindup dismiss with twindup watch", .serialized)
struct DismissWatchTests {
    /// A threshold the shipped model clearly clears for the shrunk copies below.
    static let threshold = ["--threshold", "0.8"]

    /// A picture shrunk to 75% and saved as JPEG quality 80.
    static func shrunk(_ path: String) throws -> [UInt8] {
        let image = try ImageDecoder().decode(fileAt: path)
        let smaller = image.resized(width: image.width * 3 / 4, height: image.height * 3 / 4, filter: .areaAverage)
        return try JPEGEncoder.encode(smaller, quality: 80)
    }

    /// Each near- or exact-duplicate line after the first `skip` findings, as "a ~ b" (sorted names).
    static func pairs(_ fixture: WatchFixture, after skip: Int) throws -> [String] {
        try fixture.findings().dropFirst(skip).filter { $0["event"] as? String != "decode_error" }.map { line in
            [line["path"], line["match"]].map { (($0 as? String ?? "") as NSString).lastPathComponent }.sorted()
                .joined(separator: " ~ ")
        }
    }

    /// Drops the photo and its shrunk copy into the watched folder and waits for their near_duplicate line.
    func dropDismissablePair(_ fixture: WatchFixture) throws {
        try fixture.copy(Pictures.photo, to: "a.jpg")
        try #require(fixture.waitForIndexed(fixture.path("a.jpg")))
        try fixture.write(try Self.shrunk(Pictures.photo), to: fixture.path("b.jpg"))
        try #require(
            fixture.waitForReport { lines in
                lines.contains {
                    $0["event"] as? String == "near_duplicate" && $0["path"] as? String == fixture.path("b.jpg")
                }
            }, "the shrunk copy was not reported before its dismissal: \((try? fixture.findings()) ?? [])")
    }

    /// Removes the dismissed files, drops copies of the same bytes under new names, then a control pair; returns the
    /// lines written meanwhile once the control pair's line is there.
    func dropCopiesAndControl(_ fixture: WatchFixture) throws -> [String] {
        let before = try fixture.findings().count
        try FileManager.default.removeItem(atPath: fixture.path("a.jpg"))
        try FileManager.default.removeItem(atPath: fixture.path("b.jpg"))
        try #require(
            waitUntil(timeout: 60) { ((try? fixture.indexedFiles()) ?? [:]).isEmpty },
            "the removed files stayed indexed")
        try fixture.copy(Pictures.photo, to: "new/large.jpg")
        try fixture.write(try Self.shrunk(Pictures.photo), to: fixture.path("new/small.jpg"))
        try #require(fixture.waitForIndexed(fixture.path("new/large.jpg")))
        try #require(fixture.waitForIndexed(fixture.path("new/small.jpg")))
        // The control pair: not dismissed, so reported; its line also shows the copies above were processed first.
        try fixture.copy(Pictures.monkey, to: "monkey.png")
        try #require(fixture.waitForIndexed(fixture.path("monkey.png")))
        try fixture.write(try Self.shrunk(Pictures.monkey), to: fixture.path("monkey-small.jpg"))
        #expect(
            fixture.waitForReport { lines in
                lines.contains { $0["path"] as? String == fixture.path("monkey-small.jpg") }
            },
            "the control pair was not reported")
        #expect(fixture.waitForIdle())
        return try Self.pairs(fixture, after: before)
    }

    @Test("dismissed while the daemon is stopped: after a restart, copies of the pair under new names are silent")
    func silentAcrossRestart() throws {
        let fixture = try WatchFixture()
        try fixture.start(Self.threshold)
        try dropDismissablePair(fixture)
        #expect(fixture.stop() == 0)
        let dismissed = try BuiltExecutable(named: "twindup").run([
            "dismiss", fixture.path("a.jpg"), fixture.path("b.jpg"), "--index", fixture.indexPath,
        ])
        try #require(dismissed.status == 0, "twindup dismiss failed: \(dismissed.standardError)")
        try fixture.start(Self.threshold)
        let lines = try dropCopiesAndControl(fixture)
        #expect(
            lines == ["monkey-small.jpg ~ monkey.png"],
            "after a restart the daemon reported \(lines); only the control pair should have been")
        #expect(fixture.stop() == 0)
    }

    @Test("dismissed while the daemon runs and holds the writer lock: the next copies are silent")
    func silentWhileRunning() throws {
        let fixture = try WatchFixture()
        try fixture.start(Self.threshold)
        try dropDismissablePair(fixture)
        let dismissed = try BuiltExecutable(named: "twindup").run([
            "dismiss", fixture.path("a.jpg"), fixture.path("b.jpg"), "--index", fixture.indexPath,
        ])
        try #require(dismissed.status == 0, "twindup dismiss failed beside the daemon: \(dismissed.standardError)")
        let lines = try dropCopiesAndControl(fixture)
        #expect(
            lines == ["monkey-small.jpg ~ monkey.png"],
            "after a dismissal beside it the daemon reported \(lines); only the control pair should have been")
        #expect(fixture.stop() == 0)
    }
}
