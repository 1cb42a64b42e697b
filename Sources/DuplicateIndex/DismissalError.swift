/// Why `twindup dismiss` refused a pair. The description names the file and says what to do.
public struct DismissalError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The index has no row for this path.
        case notIndexed
        /// The file is indexed but could not be decoded: it has no picture to be a duplicate of anything.
        case neverDecoded(String)
        /// Both arguments name one file (one path, or two hard links).
        case sameFile
        /// `--undo` of a pair that was not dismissed.
        case notDismissed
    }

    public var reason: Reason
    public var path: RawPath
    /// The other file of the pair, where the message names both.
    public var other: RawPath?

    public init(_ reason: Reason, path: RawPath, other: RawPath? = nil) {
        self.reason = reason
        self.path = path
        self.other = other
    }

    public var description: String {
        switch reason {
        case .notIndexed:
            return "\(path) is not in the index: scan its folder first (or give the path it was scanned under)"
        case .neverDecoded(let error):
            return "\(path) is in the index but was never decoded (\(error)), so it cannot be a duplicate"
        case .sameFile:
            return "\(path) and \(other ?? path) are the same file: name two different files"
        case .notDismissed:
            return "the pair \(path) and \(other ?? path) is not dismissed (see twindup dismiss --list)"
        }
    }
}
