import Foundation

/// An executable product of this package, run as a real process by tests.
public struct BuiltExecutable: Sendable {
    public let url: URL

    /// `name` from the build folder holding the running tests (`swift test` builds executables beside them), or
    /// from `.build/release` / `.build/debug` under the package root.
    public init(named name: String) throws {
        var folders: [URL] = []
        if let tests = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            // Linux: .build/<triple>/<config>/<package>PackageTests.xctest; macOS: the bundle's Contents/MacOS.
            var folder = tests.deletingLastPathComponent()
            for _ in 0..<4 {
                folders.append(folder)
                folder = folder.deletingLastPathComponent()
            }
        }
        let build = TestData.packageRoot.appendingPathComponent(".build")
        folders += ["release", "debug"].map { build.appendingPathComponent($0) }
        let candidates = folders.map { $0.appendingPathComponent(name) }
        let isProgram = { (candidate: URL) in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory)
                && !isDirectory.boolValue && FileManager.default.isExecutableFile(atPath: candidate.path)
        }
        guard let found = candidates.first(where: isProgram) else {
            throw ProgramMissing(name: name, searched: candidates.map(\.path))
        }
        url = found
    }

    /// Runs the executable to completion with `arguments`, in `environment` (default: the tests' own).
    public func run(_ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        try ChildProcess.run(url, arguments, environment: environment)
    }
}
