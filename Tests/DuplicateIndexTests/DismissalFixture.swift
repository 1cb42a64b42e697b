import Foundation
import TestSupport
import Testing

@testable import DuplicateIndex

/// A scratch folder with an index, the two near-duplicate pairs the dismissal tests use, and the twindup binary.
///
/// The photo pair (testorig.jpg and a copy shrunk to 75% at JPEG quality 80) is the one a user dismisses; the
/// monkey pair (monkey16.png and the same shrunk copy) is the control that must go on being reported.
final class DismissalFixture {
    let root: URL
    let indexPath: String
    let photo: [UInt8]
    let photoSmall: [UInt8]
    let monkey: [UInt8]
    let monkeySmall: [UInt8]
    let index: ImageIndex

    init() throws {
        root = URL(fileURLWithPath: try TestData.makeScratchDirectory().path.resolvingSymlinks)
        indexPath = root.appendingPathComponent("index.sqlite").path
        photo = try Self.bytes(of: "jpeg/testorig.jpg")
        monkey = try Self.bytes(of: "jpeg/monkey16.png")
        let scratch = root.appendingPathComponent("made")
        try IndexFixtures.writeResizedCopy(of: "jpeg/testorig.jpg", to: scratch.appendingPathComponent("photo.jpg"))
        try IndexFixtures.writeResizedCopy(of: "jpeg/monkey16.png", to: scratch.appendingPathComponent("monkey.jpg"))
        photoSmall = try Self.bytes(atPath: scratch.appendingPathComponent("photo.jpg").path)
        monkeySmall = try Self.bytes(atPath: scratch.appendingPathComponent("monkey.jpg").path)
        try FileManager.default.removeItem(at: scratch)
        index = try ImageIndex(path: indexPath, detector: try IndexFixtures.detector())
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    static func bytes(of relative: String) throws -> [UInt8] { try bytes(atPath: TestData.path(relative)) }

    static func bytes(atPath path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The absolute path of `relative` below the scratch folder.
    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func write(_ bytes: [UInt8], to relative: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Scans `tree` (below the scratch folder) and returns the report's lines.
    func scan(_ tree: String = "tree") throws -> [[String: Any]] {
        let report = root.appendingPathComponent("report-\(UUID().uuidString).jsonl")
        _ = try index.scan(
            [path(tree)], options: ScanOptions(threshold: IndexFixtures.clearThreshold),
            report: try ReportLog(path: report.path))
        return try IndexFixtures.reportLines(report)
    }

    /// `twindup dismiss` with `arguments` on this index, as a real process.
    func dismiss(_ arguments: [String]) throws -> ProcessResult {
        try BuiltExecutable(named: "twindup").run(["dismiss"] + arguments + ["--index", indexPath])
    }

    /// Each finding line as "a ~ b": both paths relative to the scratch folder, in sorted order.
    func pairs(_ lines: [[String: Any]]) -> Set<String> {
        Set(
            lines.filter { ["near_duplicate", "exact_duplicate"].contains($0["event"] as? String) }.map { line in
                pair(line["path"] as? String ?? "", line["match"] as? String ?? "")
            })
    }

    /// The findings the index holds, as `pairs` writes them.
    func storedPairs() throws -> Set<String> {
        Set(try index.store.findings().map { pair($0.path.description, $0.match.description) })
    }

    private func pair(_ one: String, _ other: String) -> String {
        let prefix = root.path + "/"
        let names = [one, other].map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }.sorted()
        return "\(names[0]) ~ \(names[1])"
    }
}

extension String {
    var resolvingSymlinks: String {
        guard let resolved = realpath(self, nil) else { return self }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
