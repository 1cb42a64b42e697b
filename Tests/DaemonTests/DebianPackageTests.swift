import Daemon
import Foundation
import TestSupport
import Testing

/// The Debian package as a server gets it: built by Scripts/build-deb.sh from the program these tests built,
/// installed by dpkg into an empty root, upgraded over an edited configuration, removed and purged.
@Suite("The Debian package", .enabled(if: getuid() == 0, "dpkg installs as root (CI runs as root)"))
struct DebianPackageTests {
    @Test(
        "the .deb installs into a fresh root: files where the unit expects them, the user, the manual, a program that runs"
    )
    func installsIntoFreshRoot() throws {
        let package = try DebianPackage.shared.get()
        let root = try FreshRoot()
        defer { root.remove() }

        let installed = try root.dpkg(["-i", package.file.path])
        try #require(installed.status == 0, "dpkg -i failed:\n\(installed.standardOutput)\(installed.standardError)")
        let status = try root.dpkg(["-s", "twindup"])
        #expect(status.standardOutput.contains("Status: install ok installed"), "\(status.standardOutput)")

        // The unit's program and configuration, in the folders the unit names.
        let unit = try UnitFile(contentsOf: root.url("/usr/lib/systemd/system/twindup.service"))
        let command = try unit.execStart()
        #expect(FileManager.default.isExecutableFile(atPath: root.url(command[0]).path), "\(command[0]) not installed")
        let configIndex = try #require(command.firstIndex(of: "--config"), "ExecStart has no --config: \(command)")
        let configuration = command[configIndex + 1]
        #expect(
            try WatchSettings.load(configurationAt: root.url(configuration).path).directories.isEmpty == false,
            "\(configuration) is missing or watches no folder")
        #expect(root.exists("/etc/logrotate.d/twindup"))
        #expect(root.exists("/usr/lib/sysctl.d/90-twindup-inotify.conf"))
        let shippedModel = TestData.shippedModel
        let model = SystemdUnitTests.modelPath(besideProgram: command[0])
        #expect(try Data(contentsOf: root.url(model)) == Data(contentsOf: shippedModel), "\(model) is not the model")

        // The maintainer script made the user and group the unit runs as.
        #expect(try SystemdUnitTests.names(inDatabase: root.url("/etc/passwd")).contains(try unit.required("User")))
        #expect(try SystemdUnitTests.names(inDatabase: root.url("/etc/group")).contains(try unit.required("Group")))

        // Configuration files are dpkg's conffiles, so upgrades never overwrite an administrator's edits.
        let conffiles = try root.dpkgQuery(["-W", "-f=${Conffiles}", "twindup"]).standardOutput
        #expect(conffiles.contains("/etc/twindup/twindup.toml") && conffiles.contains("/etc/logrotate.d/twindup"))

        // The manual page has a section for every command of --help.
        let manual = try ChildProcess.run(
            try DebianTool.locate("gzip", package: "gzip"), ["-dc", root.url("/usr/share/man/man1/twindup.1.gz").path])
        for name in ["watch", "scan", "compare", "review", "dismiss", "eval", "reindex"] {
            #expect(manual.standardOutput.contains(".SS \"twindup \(name)\""), "the manual lacks twindup \(name)")
        }

        // The installed program runs from the root and finds the installed model next to it.
        let program = root.url(command[0])
        let version = try ChildProcess.run(program, ["--version"])
        #expect(
            version.status == 0
                && package.version == version.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        let photo = TestData.path("jpeg/testorig.jpg")
        let compared = try ChildProcess.run(program, ["compare", photo, photo, "--format", "json"])
        #expect(compared.status == 0, "the installed twindup could not compare: \(compared.standardError)")
        #expect(compared.standardOutput.contains("\"probability\""), "\(compared.standardOutput)")
    }

    @Test("its library dependencies are Debian packages this machine has, at versions that satisfy them")
    func dependenciesResolve() throws {
        let package = try DebianPackage.shared.get()
        let depends = try package.field("Depends")
        let dpkg = try DebianTool.locate("dpkg", package: "dpkg")
        let query = try DebianTool.locate("dpkg-query", package: "dpkg")
        var names: [String] = []
        for dependency in depends.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            // "name (>= version)"; Swift's own libraries never appear: the package links Swift's runtime in or
            // dpkg-shlibdeps leaves them out.
            let parts = dependency.split(separator: " ", maxSplits: 1).map(String.init)
            let name = parts[0]
            names.append(name)
            let installed = try ChildProcess.run(query, ["-W", "-f=${Version}", name])
            try #require(installed.status == 0, "\(name) is not a package on this machine: \(installed.standardError)")
            if parts.count == 2 {
                let constraint = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: " ")
                let relation = ["=": "eq", ">=": "ge", "<=": "le", ">>": "gt", "<<": "lt"][String(constraint[0])]
                let satisfied = try ChildProcess.run(
                    dpkg,
                    ["--compare-versions", installed.standardOutput, try #require(relation), String(constraint[1])])
                #expect(satisfied.status == 0, "\(name) \(installed.standardOutput) does not satisfy \(dependency)")
            }
        }
        for library in ["libpng16-16", "libjpeg62-turbo", "libinotifytools0", "libsqlite3-0", "libc6"] {
            #expect(names.contains(library), "Depends lacks \(library): \(depends)")
        }
        #expect(!depends.contains("swift"), "Depends names a Swift library no Debian package has: \(depends)")
    }

    @Test("an upgrade keeps the edited configuration; remove keeps it and the index; purge deletes both")
    func upgradeRemoveAndPurge() throws {
        let package = try DebianPackage.shared.get()
        let root = try FreshRoot()
        defer { root.remove() }
        try #require(try root.dpkg(["-i", package.file.path]).status == 0)

        let edited = "watch = [\"/srv/scans\"]\nthreshold = 0.99\n"
        try edited.write(to: root.url("/etc/twindup/twindup.toml"), atomically: true, encoding: .utf8)
        let again = try root.dpkg(["-i", package.file.path])
        #expect(again.status == 0, "reinstalling failed: \(again.standardError)")
        #expect(try String(contentsOf: root.url("/etc/twindup/twindup.toml"), encoding: .utf8) == edited)

        // What the service made while it ran.
        try FileManager.default.createDirectory(at: root.url("/var/lib/twindup"), withIntermediateDirectories: true)
        try Data("index".utf8).write(to: root.url("/var/lib/twindup/index.sqlite"))
        let removed = try root.dpkg(["-r", "twindup"])
        #expect(removed.status == 0, "dpkg -r failed: \(removed.standardError)")
        #expect(!root.exists("/usr/bin/twindup") && !root.exists("/usr/lib/systemd/system/twindup.service"))
        #expect(root.exists("/etc/twindup/twindup.toml"), "remove must keep the configuration")
        #expect(root.exists("/var/lib/twindup/index.sqlite"), "remove must keep the index")

        let purged = try root.dpkg(["-P", "twindup"])
        #expect(purged.status == 0, "dpkg -P failed: \(purged.standardError)")
        #expect(!root.exists("/etc/twindup/twindup.toml") && !root.exists("/var/lib/twindup"))
    }
}

/// A .deb built by Scripts/build-deb.sh from the twindup these tests run.
struct DebianPackage: Sendable {
    /// One package for the suite's tests, which only read it.
    static let shared = Result { try DebianPackage() }

    let folder: URL
    let file: URL
    let version: String

    init() throws {
        folder = try TestData.makeScratchDirectory()
        let program = try BuiltExecutable(named: "twindup")
        let bash = try DebianTool.locate("bash", package: "bash")
        _ = try DebianTool.locate("dpkg-shlibdeps", package: "dpkg-dev")
        let script = TestData.packageRoot.appendingPathComponent("Scripts/build-deb.sh")
        let built = try ChildProcess.run(
            bash, [script.path, "--fast", "--binary", program.url.path, "--output", folder.path])
        guard built.status == 0, let path = built.outputLines.last, path.hasSuffix(".deb") else {
            throw PackagingFailed(message: "build-deb.sh failed (\(built.status)):\n\(built.standardError)")
        }
        file = URL(fileURLWithPath: path)
        version = try ChildProcess.run(program.url, ["--version"]).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A field of the package's control file.
    func field(_ name: String) throws -> String {
        let dpkgDeb = try DebianTool.locate("dpkg-deb", package: "dpkg")
        let result = try ChildProcess.run(dpkgDeb, ["-f", file.path, name])
        guard result.status == 0 else { throw PackagingFailed(message: "dpkg-deb -f: \(result.standardError)") }
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct PackagingFailed: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// An empty root with only dpkg's database and the two account files: what `dpkg --root` installs into. Its
/// maintainer scripts run without chroot (the root has no shell), acting on `$DPKG_ROOT`, as Debian's own
/// packages do for bootstrapping; the libraries the package depends on are the host's, so dpkg is told to go on
/// without them (the dependencies have a test of their own).
struct FreshRoot {
    let root: URL

    init() throws {
        root = try TestData.makeScratchDirectory()
        for folder in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc"] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data().write(to: root.appendingPathComponent("var/lib/dpkg/status"))
        try Data("root:x:0:0:root:/root:/bin/sh\n".utf8).write(to: root.appendingPathComponent("etc/passwd"))
        try Data("root:x:0:\n".utf8).write(to: root.appendingPathComponent("etc/group"))
    }

    func dpkg(_ arguments: [String]) throws -> ProcessResult {
        try ChildProcess.run(
            try DebianTool.locate("dpkg", package: "dpkg"),
            ["--root=\(root.path)", "--force-script-chrootless", "--force-depends"] + arguments)
    }

    func dpkgQuery(_ arguments: [String]) throws -> ProcessResult {
        try ChildProcess.run(try DebianTool.locate("dpkg-query", package: "dpkg"), ["--root=\(root.path)"] + arguments)
    }

    func url(_ path: String) -> URL { root.appendingPathComponent(String(path.drop { $0 == "/" })) }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: url(path).path) }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
