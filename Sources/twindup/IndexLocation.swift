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
        let environment = ProcessInfo.processInfo.environment
        // systemd may list several folders separated by colons; twindup's unit names one.
        if let folder = environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init),
            folder.hasPrefix("/")
        {
            return folder
        }
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
        if let folder = ProcessInfo.processInfo.environment["LOGS_DIRECTORY"]?.split(separator: ":").first
            .map(String.init), folder.hasPrefix("/")
        {
            return folder + "/report.jsonl"
        }
        return try stateFolder() + "/report.jsonl"
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
