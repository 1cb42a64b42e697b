import Foundation
import GRDB
import ImageIO
import TestSupport

/// A folder of real pictures with exact and near duplicates, some under hostile names, indexed by a real
/// `twindup scan`, ready for `twindup review`.
struct ReviewFixture {
    let root: URL
    let pictures: URL
    let indexPath: String
    let twindup: BuiltExecutable

    /// The near-duplicate photo's name (testorig.jpg enlarged 3×): its thumbnail must be shrunk.
    static let enlargedName = "testorig-large.jpg"
    /// A name a page must never paste as markup: a script element, a newline, quotes, an ampersand.
    static let hostileName = Array("monkey <script>alert(1) & \"second\"\nline <b>.png".utf8)
    /// A name that is not UTF-8.
    static let invalidName: [UInt8] = [0xFF, 0xFE] + Array(" monkey.png".utf8)

    /// Writes the pictures and scans them; `removeAll()` deletes everything.
    static func make() throws -> ReviewFixture {
        let root = try TestData.makeScratchDirectory()
        let pictures = root.appendingPathComponent("pictures")
        let photos = pictures.appendingPathComponent("photos")
        let monkeys = pictures.appendingPathComponent("monkeys")
        let others = pictures.appendingPathComponent("others")
        for folder in [photos, monkeys, others] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let photo = TestData.path("jpeg/testorig.jpg")
        try copy(photo, to: photos.appendingPathComponent("testorig.jpg"))
        try copy(photo, to: photos.appendingPathComponent("testorig & \"copy\".jpg"))
        let image = try ImageDecoder().decode(fileAt: photo)
        let enlarged = image.resized(width: image.width * 3, height: image.height * 3, filter: .bilinear)
        try Data(JPEGEncoder.encode(enlarged, quality: 85)).write(to: photos.appendingPathComponent(enlargedName))
        let monkey = TestData.path("jpeg/monkey16.png")
        try copy(monkey, to: monkeys.appendingPathComponent("monkey16.png"))
        try HostileFiles.write(
            MadePictures.tagged(monkey, "hostile"), toPathBytes: Array(monkeys.path.utf8) + [0x2F] + hostileName)
        try HostileFiles.write(
            MadePictures.tagged(monkey, "invalid"), toPathBytes: Array(monkeys.path.utf8) + [0x2F] + invalidName)
        try copy(TestData.path("jpeg/vgl_5674_0098.png"), to: others.appendingPathComponent("vgl_5674_0098.png"))
        try copy(TestData.path("png/pngsuite/basn0g08.png"), to: others.appendingPathComponent("basn0g08.png"))

        let fixture = ReviewFixture(
            root: root, pictures: pictures, indexPath: root.appendingPathComponent("index.sqlite").path,
            twindup: try BuiltExecutable(named: "twindup"))
        let scan = try fixture.twindup.run(["scan", pictures.path, "--index", fixture.indexPath])
        guard scan.status == 0 else {
            throw FixtureFailed(description: "twindup scan failed (\(scan.status)): \(scan.standardError)")
        }
        return fixture
    }

    private static func copy(_ source: String, to destination: URL) throws {
        try FileManager.default.copyItem(at: URL(fileURLWithPath: source), to: destination)
    }

    func removeAll() { try? FileManager.default.removeItem(at: root) }

    /// Runs `twindup review` on the index, writing `name` in the scratch folder; returns the run and the page.
    func review(_ options: [String] = [], page name: String = "review.html") throws -> (ProcessResult, String?) {
        let page = root.appendingPathComponent(name)
        let result = try twindup.run(["review", "--html", page.path, "--index", indexPath] + options)
        let text = (try? Data(contentsOf: page)).map { String(decoding: $0, as: UTF8.self) }
        return (result, text)
    }

    /// A finding as the index stores it, read with SQL of the test's own.
    struct StoredPair: Hashable {
        var paths: Set<[UInt8]>
        var exact: Bool
    }

    /// Every finding whose two files are indexed, as unordered pairs.
    func storedPairs() throws -> Set<StoredPair> {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: indexPath, configuration: configuration)
        return try database.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.path, b.path, finding.event FROM finding
                    JOIN file a ON a.id = finding.file_id JOIN file b ON b.id = finding.match_id
                    """)
            return Set(
                rows.map { row in
                    StoredPair(
                        paths: [[UInt8](row[0] as Data), [UInt8](row[1] as Data)],
                        exact: (row[2] as String) == "exact_duplicate")
                })
        }
    }

    struct FixtureFailed: Error, CustomStringConvertible {
        var description: String
    }
}
