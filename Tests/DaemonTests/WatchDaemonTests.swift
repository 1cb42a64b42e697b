import Foundation
import TestSupport
import Testing

/// `twindup watch` as a real process on real folders: each way files arrive gives exactly the expected report
/// lines, and the index follows deletes and renames.
@Suite("twindup watch", .serialized)
struct WatchDaemonTests {
    @Test("a copied picture is indexed silently; an exact copy elsewhere is an exact_duplicate with every field")
    func copyAndExactCopy() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        try fixture.copy(Pictures.photo, to: "a.jpg")
        #expect(fixture.waitForIndexed(fixture.path("a.jpg")))
        try fixture.copy(Pictures.photo, to: "sub/copy.jpg")
        #expect(fixture.waitForReport { $0.contains { $0["event"] as? String == "exact_duplicate" } })
        #expect(fixture.waitForIdle())
        let findings = try fixture.findings()
        try #require(findings.count == 1, "report: \(findings)")
        let line = findings[0]
        #expect(line["path"] as? String == fixture.path("sub/copy.jpg"))
        #expect(line["match"] as? String == fixture.path("a.jpg"))
        #expect(line["probability"] as? Double == 1.0)
        #expect((line["threshold"] as? Double).map { $0 > 0 && $0 < 1 } == true)
        #expect((line["model"] as? String)?.hasPrefix("twindup-") == true)
        #expect((line["ts"] as? String)?.hasSuffix("Z") == true)
        #expect(fixture.stop() == 0)
    }

    @Test("a picture moved in from outside, and a resized recompressed copy, are near_duplicates of the original")
    func movedInAndResized() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        try fixture.copy(Pictures.photo, to: "original.jpg")
        #expect(fixture.waitForIndexed(fixture.path("original.jpg")))
        let staged = fixture.outside + "/reencoded.jpg"
        try FileManager.default.copyItem(atPath: Pictures.photoReencoded, toPath: staged)
        try FileManager.default.moveItem(atPath: staged, toPath: fixture.path("reencoded.jpg"))
        try fixture.write(try Pictures.photoResizedAndRecompressed(), to: fixture.path("small.jpg"))
        #expect(
            fixture.waitForReport { lines in lines.filter { $0["event"] as? String == "near_duplicate" }.count >= 3 })
        #expect(fixture.waitForIdle())
        let near = try fixture.findings().filter { $0["event"] as? String == "near_duplicate" }
        let pairs = Set(near.map { "\($0["path"] as? String ?? "") ~ \($0["match"] as? String ?? "")" })
        // small.jpg arrives after reencoded.jpg (or at once): it matches the original, and the re-encoded copy.
        #expect(pairs.contains("\(fixture.path("reencoded.jpg")) ~ \(fixture.path("original.jpg"))"), "\(pairs)")
        #expect(pairs.contains("\(fixture.path("small.jpg")) ~ \(fixture.path("original.jpg"))"), "\(pairs)")
        #expect(near.allSatisfy { ($0["probability"] as? Double ?? 0) >= ($0["threshold"] as? Double ?? 1) })
        #expect(try fixture.findings().allSatisfy { $0["event"] as? String == "near_duplicate" })
        #expect(fixture.stop() == 0)
    }

    @Test("rsync's temporary name waits for its rename; a temporary file never renamed is never read")
    func temporaryNames() throws {
        let fixture = try WatchFixture()
        try fixture.start(settle: 0.3)
        try fixture.copy(Pictures.photo, to: "photo.jpg")
        #expect(fixture.waitForIndexed(fixture.path("photo.jpg")))
        try fixture.copy(Pictures.photo, to: ".copy.jpg.Xy12Ab")
        try fixture.copy(Pictures.photo, to: "download.jpg.part")
        try fixture.copy(Pictures.photo, to: "other.jpg.crdownload")
        Thread.sleep(forTimeInterval: 1.5)
        let early = try fixture.findings()
        #expect(early.isEmpty, "temporary files were read: \(early)")
        try FileManager.default.moveItem(atPath: fixture.path(".copy.jpg.Xy12Ab"), toPath: fixture.path("copy.jpg"))
        #expect(fixture.waitForReport { $0.contains { $0["path"] as? String == fixture.path("copy.jpg") } })
        #expect(fixture.waitForIdle())
        let findings = try fixture.findings()
        #expect(findings.count == 1, "\(findings)")
        #expect(findings.first?["event"] as? String == "exact_duplicate")
        #expect(Set(try fixture.indexedFiles().keys) == [fixture.path("photo.jpg"), fixture.path("copy.jpg")])
        #expect(fixture.stop() == 0)
    }

    @Test("a slow writer's file is read once, complete; a hard link (no close at all) is read after the settle time")
    func slowWriterAndHardLink() throws {
        let fixture = try WatchFixture()
        // Pauses of 0.4 s against a settle time of 5 s: a wide margin even when the writer itself is starved of
        // CPU on a loaded machine (a pause longer than the settle time reads the file early, by design).
        try fixture.start(settle: 5.0)
        try fixture.copy(Pictures.photo, to: "photo.jpg")
        #expect(fixture.waitForIndexed(fixture.path("photo.jpg")))
        // Written in chunks with pauses shorter than the settle time, closed only at the end.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Pictures.photo))
        let handle = try #require(
            FileHandle(
                forWritingAtPath: {
                    FileManager.default.createFile(atPath: fixture.path("slow.jpg"), contents: nil)
                    return fixture.path("slow.jpg")
                }()))
        let chunk = bytes.count / 4 + 1
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            handle.write(bytes[start..<min(bytes.count, start + chunk)])
            Thread.sleep(forTimeInterval: 0.4)
        }
        try handle.close()
        // No close event for a hard link: only its creation, then silence.
        let outsideCopy = fixture.outside + "/linked.jpg"
        try FileManager.default.copyItem(atPath: Pictures.photo, toPath: outsideCopy)
        #expect(link(outsideCopy, fixture.path("linked.jpg")) == 0)
        #expect(
            fixture.waitForReport { lines in lines.filter { $0["event"] as? String == "exact_duplicate" }.count >= 2 })
        #expect(fixture.waitForIdle())
        let findings = try fixture.findings()
        #expect(findings.count == 2, "expected one line each for slow.jpg and linked.jpg: \(findings)")
        #expect(
            Set(findings.compactMap { $0["path"] as? String }) == [
                fixture.path("slow.jpg"), fixture.path("linked.jpg"),
            ])
        #expect(findings.allSatisfy { $0["event"] as? String == "exact_duplicate" }, "\(findings)")
        #expect(fixture.stop() == 0)
    }

    @Test("mkdir -p with files written at once: every file is found, including those that beat the folder's watch")
    func newNestedFolders() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        try fixture.copy(Pictures.photo, to: "photo.jpg")
        #expect(fixture.waitForIndexed(fixture.path("photo.jpg")))
        try FileManager.default.createDirectory(atPath: fixture.path("a/b/c"), withIntermediateDirectories: true)
        let placed = ["a/1.jpg", "a/b/2.jpg", "a/b/c/3.jpg", "a/b/c/4.jpg"]
        for relative in placed { try fixture.copy(Pictures.photo, to: relative) }
        try fixture.copy(Pictures.monkey, to: "a/b/c/monkey.png")
        #expect(
            fixture.waitForReport { lines in lines.filter { $0["event"] as? String == "exact_duplicate" }.count >= 4 })
        #expect(fixture.waitForIndexed(fixture.path("a/b/c/monkey.png")))
        #expect(fixture.waitForIdle())
        let findings = try fixture.findings()
        #expect(findings.count == 4, "\(findings)")
        #expect(Set(findings.compactMap { $0["path"] as? String }) == Set(placed.map(fixture.path)))
        // A later file in the deepest folder proves its watch exists.
        try fixture.copy(Pictures.photo, to: "a/b/c/5.jpg")
        #expect(fixture.waitForReport { $0.contains { $0["path"] as? String == fixture.path("a/b/c/5.jpg") } })
        #expect(fixture.stop() == 0)
    }

    @Test("a delete and a rename inside update the index without a report line; the rename reads nothing again")
    func deleteAndRename() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        try fixture.copy(Pictures.photo, to: "photo.jpg")
        try fixture.copy(Pictures.monkey, to: "folder/monkey.png")
        try fixture.copy(Pictures.street, to: "street.png")
        #expect(fixture.waitForIndexed(fixture.path("street.png")))
        #expect(fixture.waitForIndexed(fixture.path("folder/monkey.png")))
        let before = try fixture.indexedFiles()
        try FileManager.default.removeItem(atPath: fixture.path("street.png"))
        try FileManager.default.moveItem(atPath: fixture.path("photo.jpg"), toPath: fixture.path("renamed.jpg"))
        try FileManager.default.moveItem(atPath: fixture.path("folder"), toPath: fixture.path("moved-folder"))
        #expect(fixture.waitUntilIndexEquals([fixture.path("renamed.jpg"), fixture.path("moved-folder/monkey.png")]))
        let after = try fixture.indexedFiles()
        // Same rows under new names: not read again.
        #expect(after[fixture.path("renamed.jpg")] == before[fixture.path("photo.jpg")])
        #expect(after[fixture.path("moved-folder/monkey.png")] == before[fixture.path("folder/monkey.png")])
        #expect(try fixture.findings().isEmpty)
        // The renamed folder's watch follows it.
        try fixture.copy(Pictures.monkey, to: "moved-folder/again.png")
        #expect(
            fixture.waitForReport { $0.contains { $0["path"] as? String == fixture.path("moved-folder/again.png") } })
        #expect(fixture.stop() == 0)
    }

    @Test("a corrupt picture is a decode_error naming the cause, and the daemon goes on")
    func corruptFile() throws {
        let fixture = try WatchFixture()
        try fixture.start()
        // Cut inside its headers: there is no picture to decode.
        let truncated = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Pictures.photo)).prefix(100))
        try fixture.write(truncated, to: fixture.path("truncated.jpg"))
        try fixture.write(Array("not a picture at all".utf8), to: fixture.path("text.png"))
        #expect(fixture.waitForReport { lines in lines.filter { $0["event"] as? String == "decode_error" }.count >= 2 })
        try fixture.copy(Pictures.photo, to: "good.jpg")
        try fixture.copy(Pictures.photo, to: "good-copy.jpg")
        #expect(fixture.waitForReport { $0.contains { $0["event"] as? String == "exact_duplicate" } })
        let errors = try fixture.findings().filter { $0["event"] as? String == "decode_error" }
        #expect(
            Set(errors.compactMap { $0["path"] as? String }) == [
                fixture.path("truncated.jpg"), fixture.path("text.png"),
            ])
        #expect(errors.allSatisfy { !(($0["error"] as? String) ?? "").isEmpty })
        #expect(errors.contains { ($0["error"] as? String)?.contains("not a PNG or JPEG") == true })
        #expect(fixture.stop() == 0)
    }
}

extension WatchFixture {
    /// Waits until the index holds exactly `paths`.
    func waitUntilIndexEquals(_ paths: Set<String>, timeout: Double = 60) -> Bool {
        waitUntil(timeout: timeout, interval: 0.1) { (try? Set(indexedFiles().keys)) == paths }
    }
}
