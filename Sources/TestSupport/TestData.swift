import Foundation

/// The shared test images: `../shared/testdata` beside the package root, or `$TWINDUP_TESTDATA`.
public enum TestData {
    public static let root: URL = {
        if let override = ProcessInfo.processInfo.environment["TWINDUP_TESTDATA"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata", isDirectory: true)
    }()

    /// The folder holding Package.swift: Sources/TestSupport/TestData.swift, three levels up.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// Files in a test-data folder with the given extension, sorted by name.
    public static func files(in folder: String, withExtension suffix: String) -> [String] {
        let directory = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".\(suffix)") }.sorted().map { directory.appendingPathComponent($0).path }
    }

    /// A fresh scratch directory, removed by the caller with `removeScratch`.
    public static func makeScratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "twindup-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
