import Foundation
import TestSupport

/// Scripts/install.sh run into a scratch folder (`--root`), as a package build would: the files land where they
/// would on a server, and nothing is run on this machine.
struct StagedInstall {
    let root: URL
    /// What the installer printed.
    let result: ProcessResult

    static let script = TestData.packageRoot.appendingPathComponent("Scripts/install.sh")
    static let shippedFolder = TestData.packageRoot.appendingPathComponent("systemd")

    /// Installs `binary` (any executable: these tests look at where files go, not at what the program does).
    init(binary: URL? = nil) throws {
        root = try TestData.makeScratchDirectory()
        result = try Self.run(into: root, binary: binary)
    }

    /// Runs the installer (again) into `root`.
    static func run(into root: URL, binary: URL? = nil) throws -> ProcessResult {
        let bash = try DebianTool.locate("bash", package: "bash")
        let program = try binary ?? DebianTool.locate("true", package: "coreutils")
        return try ChildProcess.run(bash, [script.path, "--root", root.path, "--binary", program.path])
    }

    /// `path` (absolute, as on the server) inside the staging root.
    func url(_ path: String) -> URL {
        root.appendingPathComponent(String(path.drop(while: { $0 == "/" })))
    }

    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: url(path).path)
    }

    /// The unit as installed.
    func unit() throws -> UnitFile {
        try UnitFile(contentsOf: url(Self.unitPath))
    }

    static let unitPath = "/usr/lib/systemd/system/twindup.service"

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}
