import ArgumentParser
import DuplicateIndex
import Foundation
import TwinModel

/// Where the index lives: `--index FILE`, else `$XDG_STATE_HOME/twindup/index.sqlite`, else
/// `~/.local/state/twindup/index.sqlite`. (The systemd unit passes `/var/lib/twindup/index.sqlite`.)
enum IndexLocation {
    static func resolve(_ explicit: String?) throws -> String {
        if let explicit { return explicit }
        let environment = ProcessInfo.processInfo.environment
        let stateHome =
            environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        let folder = stateHome + "/twindup"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/index.sqlite"
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
