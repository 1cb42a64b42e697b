import Foundation
import TestSupport
import Testing

@testable import Daemon

/// The files that run `twindup watch` as a systemd service (systemd/ and Scripts/install.sh): the unit is accepted
/// by systemd's own checks, stays tightly sandboxed, and everything it names is installed where it looks.
@Suite("The systemd service")
struct SystemdUnitTests {
    static let shippedUnit = StagedInstall.shippedFolder.appendingPathComponent("twindup.service")

    @Test("systemd-analyze verify accepts the installed unit without a single warning")
    func verifyIsClean() throws {
        let analyze = try DebianTool.locate("systemd-analyze", package: "systemd")
        let staged = try StagedInstall()
        defer { staged.remove() }
        try #require(staged.result.status == 0, "install.sh failed: \(staged.result.standardError)")

        // verify checks that ExecStart's program exists and is executable on this machine, where twindup is not
        // installed. `--root=` would look for everything there, including sysinit.target and /bin/kill, which a
        // staging root does not have. So it verifies a copy of the installed unit whose ExecStart points at the
        // program inside the staging root: that also proves the installer put the program where the unit runs it.
        let program = try staged.unit().execStart()[0]
        let text = try String(contentsOf: staged.url(StagedInstall.unitPath), encoding: .utf8)
        let redirected = text.replacingOccurrences(
            of: "\nExecStart=\(program) ", with: "\nExecStart=\(staged.url(program).path) ")
        try #require(redirected != text, "ExecStart=\(program) not found at the start of a line")
        let folder = staged.root.appendingPathComponent("verify")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // The copy keeps the unit's name: verify derives the unit's name and type from the file name.
        let copy = folder.appendingPathComponent("twindup.service")
        try redirected.write(to: copy, atomically: true, encoding: .utf8)

        let result = try ChildProcess.run(analyze, ["verify", copy.path])
        #expect(result.status == 0, "systemd-analyze verify failed: \(result.standardError)")
        #expect(result.standardError.isEmpty, "systemd-analyze verify warned: \(result.standardError)")
    }

    @Test("systemd-analyze security rates the unit's exposure at 2.0 or less")
    func exposureIsLow() throws {
        let analyze = try DebianTool.locate("systemd-analyze", package: "systemd")
        // --threshold=20 is exposure 2.0 on the 0-100 scale the option uses: above it the command fails.
        let result = try ChildProcess.run(
            analyze, ["security", "--offline=yes", "--threshold=20", Self.shippedUnit.path])
        let report = result.standardOutput + result.standardError
        let weaknesses = report.split(separator: "\n").filter { $0.hasPrefix("✗") }.joined(separator: "\n")
        let exposure = try #require(
            Self.overallExposure(in: report), "no \"Overall exposure level\" in systemd-analyze's output:\n\(report)")
        #expect(exposure <= 2.0, "exposure \(exposure) > 2.0; what systemd counts against the unit:\n\(weaknesses)")
        #expect(result.status == 0, "systemd-analyze security failed (\(result.status)):\n\(report)")
    }

    /// The figure in "→ Overall exposure level for twindup.service: 0.3 SAFE 😀".
    static func overallExposure(in report: String) -> Double? {
        guard let line = report.split(separator: "\n").first(where: { $0.contains("Overall exposure level") }),
            let colon = line.lastIndex(of: ":")
        else { return nil }
        return line[line.index(after: colon)...].split(separator: " ").first.flatMap { Double($0) }
    }

    @Test("install.sh --root puts every file where the unit and the daemon look for it")
    func installLayout() throws {
        let staged = try StagedInstall()
        defer { staged.remove() }
        try #require(staged.result.status == 0, "install.sh failed: \(staged.result.standardError)")
        let unit = try staged.unit()
        let command = try unit.execStart()

        let program = command[0]
        #expect(FileManager.default.isExecutableFile(atPath: staged.url(program).path), "\(program) not installed")

        // The configuration the unit passes, inside the folder systemd manages for it.
        let configIndex = try #require(command.firstIndex(of: "--config"), "ExecStart has no --config: \(command)")
        let configuration = command[configIndex + 1]
        let configurationFolder = "/etc/" + (try unit.required("ConfigurationDirectory"))
        #expect(URL(fileURLWithPath: configuration).deletingLastPathComponent().path == configurationFolder)
        #expect(staged.exists(configuration), "\(configuration) not installed")
        #expect(
            try WatchSettings.load(configurationAt: staged.url(configuration).path).directories.isEmpty == false,
            "the installed configuration watches no folder")

        // The daemon looks for its model at <program's folder>/../share/twindup.
        let model = Self.modelPath(besideProgram: program)
        let shippedModel = TestData.shippedModel
        #expect(
            try Data(contentsOf: staged.url(model)) == Data(contentsOf: shippedModel),
            "\(model) is not the package's model")

        // Documentation=file:... names a file that is installed.
        for link in unit.values("Documentation", in: "Unit").flatMap({ $0.split(separator: " ") })
        where link.hasPrefix("file:") {
            #expect(staged.exists(String(link.dropFirst("file:".count))), "\(link) not installed")
        }

        // The log rotation covers the report where the daemon writes it by default.
        let rotation = try String(contentsOf: staged.url("/etc/logrotate.d/twindup"), encoding: .utf8)
        #expect(rotation.contains(try Self.defaultReport(of: unit) + " {"))
        #expect(staged.exists("/usr/lib/sysctl.d/90-twindup-inotify.conf"))

        // systemd-sysusers reading the staged root creates the very user and group the unit runs as.
        let sysusers = try DebianTool.locate("systemd-sysusers", package: "systemd")
        let created = try ChildProcess.run(sysusers, ["--root=\(staged.root.path)"])
        #expect(created.status == 0, "systemd-sysusers failed: \(created.standardError)")
        let users = try Self.names(inDatabase: staged.url("/etc/passwd"))
        let groups = try Self.names(inDatabase: staged.url("/etc/group"))
        #expect(users.contains(try unit.required("User")), "sysusers.d creates \(users), the unit runs as another")
        #expect(groups.contains(try unit.required("Group")), "sysusers.d creates \(groups), the unit uses another")
    }

    @Test("running install.sh again changes nothing and keeps an edited configuration")
    func reinstallKeepsConfiguration() throws {
        let staged = try StagedInstall()
        defer { staged.remove() }
        try #require(staged.result.status == 0, "install.sh failed: \(staged.result.standardError)")
        let configuration = try staged.unit().execStart().drop { $0 != "--config" }.dropFirst().first ?? ""

        let again = try StagedInstall.run(into: staged.root)
        #expect(again.status == 0, "a second install failed: \(again.standardError)")
        #expect(
            !again.standardOutput.contains("installed "), "a second install replaced files:\n\(again.standardOutput)")

        let edited = "watch = [\"/srv/scans\"]\n"
        try edited.write(to: staged.url(configuration), atomically: true, encoding: .utf8)
        let third = try StagedInstall.run(into: staged.root)
        #expect(third.status == 0, "an install over an edited configuration failed: \(third.standardError)")
        #expect(try String(contentsOf: staged.url(configuration), encoding: .utf8) == edited)
        #expect(
            try Data(contentsOf: staged.url(configuration + ".dpkg-dist"))
                == Data(contentsOf: StagedInstall.shippedFolder.appendingPathComponent("twindup.toml")))
    }

    @Test("install.sh refuses what it cannot install, saying why")
    func installerErrors() throws {
        let bash = try DebianTool.locate("bash", package: "bash")
        let scratch = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let missing = scratch.appendingPathComponent("no-such-twindup").path
        let cases: [([String], String)] = [
            (["--root", scratch.path, "--binary", missing], "--binary \(missing) does not exist"),
            (["--root", scratch.appendingPathComponent("absent").path], "is not a folder"),
            (["--root", scratch.path, "--frobnicate"], "unknown argument '--frobnicate'"),
        ]
        for (arguments, message) in cases {
            let result = try ChildProcess.run(bash, [StagedInstall.script.path] + arguments)
            #expect(result.status != 0, "install.sh \(arguments) succeeded")
            #expect(result.standardError.contains(message), "install.sh \(arguments) said: \(result.standardError)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "a refused install wrote")
    }

    @Test("logrotate accepts the snippet, and its postrotate reloads the unit")
    func logrotateAccepts() throws {
        let logrotate = try DebianTool.locate("logrotate", package: "logrotate")
        let staged = try StagedInstall()
        defer { staged.remove() }
        // The installed copy: logrotate ignores a snippet that is writable by group or others.
        let snippet = staged.url("/etc/logrotate.d/twindup")
        let state = staged.root.appendingPathComponent("logrotate.status")
        let result = try ChildProcess.run(logrotate, ["-d", "-s", state.path, snippet.path])
        let errors = (result.standardOutput + result.standardError).split(separator: "\n").filter {
            $0.hasPrefix("error:")
        }
        #expect(result.status == 0 && errors.isEmpty, "logrotate -d refused the snippet:\n\(result.standardError)")
        #expect(result.standardError.contains("rotating pattern: \(try Self.defaultReport(of: try staged.unit()))"))
        let text = try String(contentsOf: snippet, encoding: .utf8)
        #expect(text.contains("systemctl try-reload-or-restart \(Self.shippedUnit.lastPathComponent)"))
    }

    @Test("each line of the sysctl drop-in sets an existing kernel setting to a whole number")
    func sysctlParses() throws {
        let file = StagedInstall.shippedFolder.appendingPathComponent("90-twindup-inotify.conf")
        let settings = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix(";") }
        #expect(!settings.isEmpty)
        for line in settings {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            try #require(parts.count == 2, "not `key = value`: \(line)")
            let entry = "/proc/sys/" + parts[0].replacingOccurrences(of: ".", with: "/")
            #expect(FileManager.default.fileExists(atPath: entry), "\(parts[0]) is not a kernel setting (\(entry))")
            #expect((Int(parts[1]) ?? 0) > 0, "\(parts[0]) = \(parts[1]) is not a positive whole number")
        }
    }

    @Test("the example configuration lists every key with its default, in the daemon's own syntax")
    func exampleConfiguration() throws {
        let example = StagedInstall.shippedFolder.appendingPathComponent("twindup.toml")
        let settings = try WatchSettings.load(configurationAt: example.path)
        var defaults = WatchSettings()
        defaults.directories = settings.directories
        #expect(settings == defaults, "a value set in the example is not the default")
        #expect(!settings.directories.isEmpty)

        // The keys whose default depends on the system are shown commented out; uncommented, they must load and
        // name the unit's own folders and the installed model.
        let text = try String(contentsOf: example, encoding: .utf8)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            WatchSettings.fileKeys.contains { line.hasPrefix("# \($0) = ") } ? String(line.dropFirst(2)) : String(line)
        }
        let scratch = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let full = scratch.appendingPathComponent("twindup.toml")
        try uncommented.joined(separator: "\n").write(to: full, atomically: true, encoding: .utf8)
        let shown = try WatchSettings.load(configurationAt: full.path)
        let keys = uncommented.compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(WatchSettings.fileKeys.filter { !keys.contains($0) } == [], "keys missing from the example")

        let unit = try UnitFile(contentsOf: SystemdUnitTests.shippedUnit)
        #expect(shown.report == (try Self.defaultReport(of: unit)))
        #expect(shown.index == "/var/lib/" + (try unit.required("StateDirectory")) + "/index.sqlite")
        #expect(shown.model == Self.modelPath(besideProgram: try unit.execStart()[0]))
        let shippedModel = TestData.shippedModel
        #expect(shown.threshold == (try Self.threshold(inModel: shippedModel)), "the model's default threshold differs")
    }

    /// Where the daemon writes its report under the unit: `$LOGS_DIRECTORY/report.jsonl`.
    static func defaultReport(of unit: UnitFile) throws -> String {
        "/var/log/" + (try unit.required("LogsDirectory")) + "/report.jsonl"
    }

    /// Where the daemon finds the installed model: `<program's folder>/../share/twindup/twindup.safetensors`.
    static func modelPath(besideProgram program: String) -> String {
        URL(fileURLWithPath: program).deletingLastPathComponent()
            .appendingPathComponent("../share/twindup/twindup.safetensors").standardized.path
    }

    /// The names in /etc/passwd or /etc/group format.
    static func names(inDatabase url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap {
            $0.split(separator: ":").first.map(String.init)
        }
    }

    /// The default threshold a safetensors model file carries in its header's `__metadata__`: its window
    /// matching's when it has one, else the whole-picture head's.
    static func threshold(inModel url: URL) throws -> Double? {
        let data = try Data(contentsOf: url)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: data.dropFirst(8).prefix(length)) as? [String: Any]
        let metadata = header?["__metadata__"] as? [String: String]
        if let matching = metadata?["window_matching"] {
            let fields = try JSONSerialization.jsonObject(with: Data(matching.utf8)) as? [String: Any]
            return fields?["threshold"] as? Double
        }
        return metadata?["threshold"].flatMap { Double($0) }
    }
}
