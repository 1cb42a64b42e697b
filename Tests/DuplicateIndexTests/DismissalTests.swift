import Foundation
import GRDB
import TestSupport
import Testing

@testable import DuplicateIndex

/// `twindup dismiss` as a user runs it: a dismissed pair is never reported again, whatever the files are called,
/// while every other pair still is.
@Suite("twindup dismiss", .serialized)
struct DismissalTests {
    @Test("a dismissed pair stays silent for copies of its bytes under new names; the control pair still reports")
    func dismissedPairStaysSilentUnderNewNames() throws {
        let fixture = try DismissalFixture()
        try fixture.write(fixture.photo, to: "tree/a/holiday.jpg")
        try fixture.write(fixture.photoSmall, to: "tree/a/holiday-small.jpg")
        try fixture.write(fixture.monkey, to: "tree/a/monkey.png")
        try fixture.write(fixture.monkeySmall, to: "tree/a/monkey-small.jpg")
        let first = fixture.pairs(try fixture.scan())
        try #require(
            first == ["tree/a/holiday-small.jpg ~ tree/a/holiday.jpg", "tree/a/monkey-small.jpg ~ tree/a/monkey.png"],
            "the first scan should report both pairs; it reported \(first)")

        let dismissed = try fixture.dismiss([
            fixture.path("tree/a/holiday.jpg"), fixture.path("tree/a/holiday-small.jpg"),
        ])
        #expect(dismissed.status == 0, "twindup dismiss failed: \(dismissed.standardError)")
        #expect(
            dismissed.standardOutput.contains("dismissed ") && dismissed.standardOutput.contains("1 finding removed"),
            "twindup dismiss printed: \(dismissed.standardOutput)")
        let remaining = try fixture.storedPairs()
        #expect(
            remaining == ["tree/a/monkey-small.jpg ~ tree/a/monkey.png"],
            "the dismissed pair's finding stayed in the index: \(remaining)")
        let groups = try fixture.index.duplicateGroups(
            under: [RawPath(fixture.path("tree"))], threshold: IndexFixtures.clearThreshold)
        #expect(groups.count == 1, "scan's groups still showed the dismissed pair: \(groups)")

        // The same bytes under new names, in another folder; the originals are gone.
        try FileManager.default.removeItem(atPath: fixture.path("tree/a"))
        try fixture.write(fixture.photoSmall, to: "tree/b/1-beach.jpg")
        try fixture.write(fixture.photo, to: "tree/b/2-beach-large.jpg")
        try fixture.write(fixture.monkeySmall, to: "tree/b/3-ape-small.jpg")
        try fixture.write(fixture.monkey, to: "tree/b/4-ape.png")
        let second = fixture.pairs(try fixture.scan())
        #expect(
            second == ["tree/b/3-ape-small.jpg ~ tree/b/4-ape.png"],
            "after dismissing the holiday pair, a rescan of its copies reported \(second)")

        let listed = try fixture.dismiss(["--list"])
        #expect(listed.status == 0, "\(listed.standardError)")
        #expect(listed.outputLines.count == 1, "dismiss --list printed: \(listed.standardOutput)")
        #expect(
            listed.standardOutput.contains(fixture.path("tree/a/holiday.jpg"))
                && listed.standardOutput.contains(fixture.path("tree/a/holiday-small.jpg")),
            "dismiss --list did not show the paths at dismissal time: \(listed.standardOutput)")
    }

    @Test("when a file's nearest match is dismissed, its next nearest match within the threshold is reported")
    func nextBestMatchTakesTheDismissedOnesPlace() throws {
        let fixture = try DismissalFixture()
        try fixture.write(fixture.photo, to: "tree/holiday.jpg")
        try fixture.write(fixture.photoSmall, to: "tree/holiday-small.jpg")
        _ = try fixture.scan()
        let dismissed = try fixture.dismiss([fixture.path("tree/holiday.jpg"), fixture.path("tree/holiday-small.jpg")])
        try #require(dismissed.status == 0, "\(dismissed.standardError)")
        // Another version of the photograph, then the small copy again under a new name: the small copy's nearest
        // match is the dismissed original, so it is reported against the other version only.
        try FileManager.default.removeItem(atPath: fixture.path("tree/holiday-small.jpg"))
        try fixture.write(try DismissalFixture.bytes(of: "jpeg/testimgint.jpg"), to: "tree/holiday-print.jpg")
        _ = try fixture.scan()
        try fixture.write(fixture.photoSmall, to: "tree/later/small-again.jpg")
        let lines = fixture.pairs(try fixture.scan())
        #expect(
            lines == ["tree/holiday-print.jpg ~ tree/later/small-again.jpg"],
            "expected the small copy reported against the other version only; the report had \(lines)")
    }

    @Test(
        "dismissing two identical files silences exact_duplicate lines for copies of those bytes; --undo restores them")
    func identicalFilesAndUndo() throws {
        let fixture = try DismissalFixture()
        try fixture.write(fixture.photo, to: "tree/photo.jpg")
        try fixture.write(fixture.photo, to: "tree/backup/photo.jpg")
        #expect(fixture.pairs(try fixture.scan()) == ["tree/backup/photo.jpg ~ tree/photo.jpg"])
        let dismissed = try fixture.dismiss([fixture.path("tree/photo.jpg"), fixture.path("tree/backup/photo.jpg")])
        #expect(dismissed.status == 0, "\(dismissed.standardError)")
        try fixture.write(fixture.photo, to: "tree/backup2/photo.jpg")
        let silent = fixture.pairs(try fixture.scan())
        #expect(silent.isEmpty, "a copy of dismissed identical files was reported: \(silent)")

        let undone = try fixture.dismiss([
            "--undo", fixture.path("tree/photo.jpg"), fixture.path("tree/backup/photo.jpg"),
        ])
        #expect(undone.status == 0, "\(undone.standardError)")
        #expect(try fixture.dismiss(["--list"]).standardOutput.isEmpty, "the dismissal was still listed after --undo")
        try fixture.write(fixture.photo, to: "tree/backup3/photo.jpg")
        let reported = fixture.pairs(try fixture.scan())
        #expect(
            reported.count == 1 && reported.first?.contains("tree/backup3/photo.jpg") == true,
            "after --undo a new copy should be reported again; the report had \(reported)")
    }

    @Test("errors name the file: not indexed, never decoded, the same file twice, no index, undo of a kept pair")
    func refusals() throws {
        let fixture = try DismissalFixture()
        try fixture.write(fixture.photo, to: "tree/photo.jpg")
        try fixture.write(Array("not a picture".utf8), to: "tree/fake.jpg")
        try fixture.write(fixture.monkey, to: "tree/monkey.png")
        _ = try fixture.scan()
        let photo = fixture.path("tree/photo.jpg")
        try fixture.write(fixture.monkeySmall, to: "elsewhere/new.jpg")

        let unknown = try fixture.dismiss([photo, fixture.path("elsewhere/new.jpg")])
        #expect(unknown.status != 0)
        #expect(
            unknown.standardError.contains(fixture.path("elsewhere/new.jpg") + " is not in the index"),
            "an unindexed file gave: \(unknown.standardError)")

        let fake = try fixture.dismiss([fixture.path("tree/fake.jpg"), photo])
        #expect(fake.status != 0)
        #expect(
            fake.standardError.contains(fixture.path("tree/fake.jpg") + " is in the index but was never decoded"),
            "an undecodable file gave: \(fake.standardError)")

        let twice = try fixture.dismiss([photo, fixture.path("tree/../tree/photo.jpg")])
        #expect(twice.status != 0)
        #expect(twice.standardError.contains("are the same file"), "the same file twice gave: \(twice.standardError)")

        let notDismissed = try fixture.dismiss(["--undo", photo, fixture.path("tree/monkey.png")])
        #expect(notDismissed.status != 0)
        #expect(notDismissed.standardError.contains("is not dismissed"), "\(notDismissed.standardError)")

        let noIndex = try BuiltExecutable(named: "twindup").run([
            "dismiss", photo, fixture.path("tree/monkey.png"), "--index", fixture.path("none.sqlite"),
        ])
        #expect(noIndex.status != 0)
        #expect(noIndex.standardError.contains("no index here"), "\(noIndex.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path("none.sqlite")), "dismiss created an index")
        #expect(try fixture.index.store.dismissals().isEmpty, "a refused dismissal was recorded")
    }

    @Test("dismiss works while another process holds the index's writer lock (the daemon)")
    func dismissBesideTheWriterLock() throws {
        let fixture = try DismissalFixture()
        try fixture.write(fixture.photo, to: "tree/holiday.jpg")
        try fixture.write(fixture.photoSmall, to: "tree/holiday-small.jpg")
        _ = try fixture.scan()
        try fixture.index.holdWriterLock()
        let result = try fixture.dismiss([fixture.path("tree/holiday.jpg"), fixture.path("tree/holiday-small.jpg")])
        #expect(result.status == 0, "dismiss failed while the writer lock was held: \(result.standardError)")
        try fixture.index.refreshDismissals()
        #expect(!fixture.index.dismissed.isEmpty, "the lock holder did not see the new dismissal")
    }

    @Test("pairs read from standard input: report-log lines are dismissed one by one")
    func pairsFromReportLines() throws {
        let fixture = try DismissalFixture()
        try fixture.write(fixture.photo, to: "tree/holiday.jpg")
        try fixture.write(fixture.photoSmall, to: "tree/holiday-small.jpg")
        try fixture.write(fixture.monkey, to: "tree/monkey.png")
        try fixture.write(fixture.monkeySmall, to: "tree/monkey-small.jpg")
        let report = fixture.root.appendingPathComponent("report.jsonl")
        _ = try fixture.index.scan(
            [fixture.path("tree")], options: ScanOptions(threshold: IndexFixtures.clearThreshold),
            report: try ReportLog(path: report.path))
        let binary = try BuiltExecutable(named: "twindup")
        let shell = try ChildProcess.program(named: "sh")
        let result = try ChildProcess.run(
            shell,
            ["-c", "\"$0\" dismiss --stdin --index \"$1\" < \"$2\"", binary.url.path, fixture.indexPath, report.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.outputLines.count == 2, "expected one line per pair: \(result.standardOutput)")
        #expect(try fixture.index.store.dismissals().count == 2)
        #expect(try fixture.index.store.findings().isEmpty, "findings of dismissed pairs stayed in the index")
    }

    @Test("an index of schema v1 is upgraded in place: its rows stay and pairs can be dismissed")
    func upgradesVersionOneIndex() throws {
        try IndexFixtures.withScratch { folder in
            let path = folder.appendingPathComponent("index.sqlite").path
            let queue = try DatabaseQueue(path: path)
            try IndexSchema.migrator.migrate(queue, upTo: "v1")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('model_id', 'twindup-test')")
                for (id, name) in [(1, "a.jpg"), (2, "b.jpg")] {
                    try db.execute(
                        sql: """
                            INSERT INTO file (id, path, device, inode, size, mtime_ns, content_hash, width, height,
                                embedding, model_id, added_at) VALUES (?, ?, 1, ?, 10, 0, ?, 4, 4, ?, 'twindup-test', 0)
                            """,
                        arguments: [
                            id, Data("/srv/\(name)".utf8), id, Data(repeating: UInt8(id), count: 32), Data(count: 8),
                        ])
                }
                try db.execute(
                    sql: """
                        INSERT INTO finding (file_id, match_id, event, probability, threshold, model_id, found_at)
                        VALUES (2, 1, 'near_duplicate', 0.95, 0.9, 'twindup-test', 0)
                        """)
            }
            try queue.close()
            let store = try IndexStore(existingAt: path)
            #expect(try store.statistics().schemaVersion == "4")
            #expect(try store.findings().count == 1, "the upgrade lost the index's findings")
            let outcome = try store.dismiss(RawPath("/srv/a.jpg"), RawPath("/srv/b.jpg"))
            #expect(outcome.isNew && outcome.findingsRemoved == 1)
            #expect(try store.findings().isEmpty)
        }
    }
}
