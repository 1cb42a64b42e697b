import ArgumentParser
import DuplicateIndex
import Foundation

struct DismissCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dismiss",
        abstract: "Record that two pictures are not duplicates, so that the pair is never reported again.",
        discussion: """
            The decision is kept with the two pictures' contents (SHA-256), so it holds for renamed, moved and \
            re-copied files with the same bytes; the pair's findings leave the index. Both files must be indexed \
            and decoded. It works while `twindup watch` runs: the daemon reads the change before its next batch.

            Examples:
              twindup dismiss /srv/photos/beach.jpg /srv/photos/beach-at-dusk.jpg
              dismissed /srv/photos/beach.jpg and /srv/photos/beach-at-dusk.jpg: 1 finding removed
              twindup dismiss --list
              twindup dismiss --undo /srv/photos/beach.jpg /srv/photos/beach-at-dusk.jpg
              grep near_duplicate report.jsonl | twindup dismiss --stdin
            """
    )

    @Argument(help: "The two pictures, as they were indexed.")
    var files: [String] = []

    @Flag(help: "List the dismissed pairs (paths as they were when dismissed).")
    var list = false

    @Flag(help: "Remove the dismissal of the two pictures: they may be reported again.")
    var undo = false

    @Flag(
        help: ArgumentHelp(
            "Dismiss every pair read from standard input: report-log lines (path and match), or two paths per "
                + "line separated by a tab."))
    var stdin = false

    @Option(
        help: "The index file (default: $XDG_STATE_HOME/twindup/index.sqlite or ~/.local/state/twindup/index.sqlite).")
    var index: String?

    func validate() throws {
        if list || stdin {
            if !files.isEmpty { throw ValidationError("--list and --stdin take no file arguments") }
            if list && (stdin || undo) { throw ValidationError("--list cannot be combined with --stdin or --undo") }
            if stdin && undo { throw ValidationError("--undo takes two files, not --stdin") }
        } else if files.count != 2 {
            throw ValidationError("name exactly two pictures (or use --list or --stdin)")
        }
    }

    func run() async throws {
        let store = try IndexStore(existingAt: try IndexLocation.resolve(index))
        if list {
            for dismissal in try store.dismissals() {
                print(
                    "\(Self.timestamp(dismissal.dismissedAt))  \(dismissal.firstPath)  \(dismissal.secondPath)")
            }
        } else if undo {
            let removed = try store.undoDismissal(Self.indexedPath(files[0]), Self.indexedPath(files[1]))
            print("undid the dismissal of \(removed.firstPath) and \(removed.secondPath): they may be reported again")
        } else if stdin {
            var failures = 0
            while let line = readLine(strippingNewline: true) {
                guard !line.isEmpty else { continue }
                do {
                    guard let (one, other) = Self.pair(fromLine: line) else {
                        throw ValidationError("not a report line with path and match, nor two tab-separated paths")
                    }
                    try dismiss(one, other, in: store)
                } catch {
                    failures += 1
                    FileHandle.standardError.write(Data("twindup: \(error) (line: \(line))\n".utf8))
                }
            }
            if failures > 0 { throw ExitCode.failure }
        } else {
            try dismiss(Self.indexedPath(files[0]), Self.indexedPath(files[1]), in: store)
        }
    }

    private func dismiss(_ one: RawPath, _ other: RawPath, in store: IndexStore) throws {
        let outcome = try store.dismiss(one, other)
        let findings = "\(outcome.findingsRemoved) finding\(outcome.findingsRemoved == 1 ? "" : "s") removed"
        print("\(outcome.isNew ? "dismissed" : "already dismissed") \(one) and \(other): \(findings)")
    }

    /// The path as the index holds it: absolute, with symbolic links resolved when it still exists.
    static func indexedPath(_ argument: String) -> RawPath {
        (try? RawPath.canonical(argument)) ?? RawPath(URL(fileURLWithPath: argument).standardizedFileURL.path)
    }

    /// The pair of one line of standard input: a report-log object (its `path` and `match`, exact bytes from
    /// `path_bytes`/`match_bytes` when given), or two paths separated by a tab.
    static func pair(fromLine line: String) -> (RawPath, RawPath)? {
        if line.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            func path(_ name: String) -> RawPath? {
                let bytes =
                    (object[name + "_bytes"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
                    ?? (object[name] as? String).map { Array($0.utf8) }
                // A NUL cannot be part of a path.
                guard let bytes, !bytes.isEmpty, !bytes.contains(0) else { return nil }
                return RawPath(bytes: bytes)
            }
            guard let one = path("path"), let other = path("match") else { return nil }
            return (one, other)
        }
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 2 else { return nil }
        return (indexedPath(String(fields[0])), indexedPath(String(fields[1])))
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
