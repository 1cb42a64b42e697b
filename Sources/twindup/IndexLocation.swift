import ArgumentParser
import DuplicateIndex
import Foundation
import TwinModel

/// Where the index lives: `--index FILE`, else `$STATE_DIRECTORY/index.sqlite` (systemd's `StateDirectory=`), else
/// `$XDG_STATE_HOME/twindup/index.sqlite`, else `~/.local/state/twindup/index.sqlite`.
enum IndexLocation {
    static func resolve(_ explicit: String?) throws -> String {
        if let explicit { return explicit }
        return try stateFolder() + "/index.sqlite"
    }

    /// The folder for the index (and, outside systemd, the daemon's report log), created if missing.
    static func stateFolder() throws -> String {
        if let folder = systemdDirectory("STATE_DIRECTORY") { return folder }
        let environment = ProcessInfo.processInfo.environment
        let stateHome =
            environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        let folder = stateHome + "/twindup"
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return folder
    }

    /// The daemon's report log: `$LOGS_DIRECTORY/report.jsonl` (systemd's `LogsDirectory=`), else beside the index
    /// in the state folder.
    static func defaultReport() throws -> String {
        if let folder = systemdDirectory("LOGS_DIRECTORY") { return folder + "/report.jsonl" }
        return try stateFolder() + "/report.jsonl"
    }

    /// The folder systemd names in `variable` (`StateDirectory=` and kin). It may list several, separated by
    /// colons; twindup's unit names one.
    private static func systemdDirectory(_ variable: String) -> String? {
        guard let folder = ProcessInfo.processInfo.environment[variable]?.split(separator: ":").first,
            folder.hasPrefix("/")
        else { return nil }
        return String(folder)
    }

    /// Opens the index with the chosen model.
    static func open(index: String?, model: String?, adoptingModel: Bool = false) throws -> ImageIndex {
        let detector = try TwinDetector(contentsOf: try ModelLocation.resolve(model))
        return try ImageIndex(path: try resolve(index), detector: detector, adoptingModel: adoptingModel)
    }
}

/// The options every index command shares.
struct IndexOptions: ParsableArguments {
    @Option(
        help: "The index file (default: $XDG_STATE_HOME/twindup/index.sqlite or ~/.local/state/twindup/index.sqlite).")
    var index: String?

    @Option(help: "Model file (default: the shipped model).")
    var model: String?
}
