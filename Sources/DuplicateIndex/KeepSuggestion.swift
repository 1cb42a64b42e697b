import Foundation

/// Which picture of a duplicate pair to keep, and why in words: the larger resolution wins; at the same resolution
/// the larger file (less compression); at the same size the older modification time (the original). A pure
/// function of what the index (or `stat` and the decoder) knows of the two files.
public struct KeepSuggestion: Sendable, Equatable {
    /// What the rule looks at.
    public struct Picture: Sendable, Equatable {
        public var path: RawPath
        public var width: Int
        public var height: Int
        public var bytes: Int64
        /// Modification time, nanoseconds since the Unix epoch.
        public var modificationTime: Int64

        public init(path: RawPath, width: Int, height: Int, bytes: Int64, modificationTime: Int64) {
            self.path = path
            self.width = width
            self.height = height
            self.bytes = bytes
            self.modificationTime = modificationTime
        }

        /// The facts of an indexed file; nil when it was never decoded (no resolution known).
        public init?(_ file: IndexedFile) {
            guard let width = file.width, let height = file.height else { return nil }
            self.init(
                path: file.path, width: width, height: height, bytes: file.identity.size,
                modificationTime: file.identity.modificationTime)
        }

        var pixels: Int { width * height }
    }

    public enum Reason: String, Sendable, Equatable {
        case largerResolution = "larger resolution"
        case largerFile = "same resolution, larger file (less compression)"
        case older = "same resolution and size, older (the original)"
        case alike = "same resolution, size and modification time: either can go"
    }

    public var keep: Picture
    public var delete: Picture
    public var reason: Reason

    /// The suggestion for the pair, whichever order it is given in. Pictures alike in all three keep the one whose
    /// path sorts first, so the answer never depends on the order.
    public init(_ one: Picture, _ other: Picture) {
        let keepsOne: Bool
        if one.pixels != other.pixels {
            (keepsOne, reason) = (one.pixels > other.pixels, .largerResolution)
        } else if one.bytes != other.bytes {
            (keepsOne, reason) = (one.bytes > other.bytes, .largerFile)
        } else if one.modificationTime != other.modificationTime {
            (keepsOne, reason) = (one.modificationTime < other.modificationTime, .older)
        } else {
            (keepsOne, reason) = (one.path <= other.path, .alike)
        }
        keep = keepsOne ? one : other
        delete = keepsOne ? other : one
    }

    /// The reason with the figures that decided it, e.g. "larger resolution (1024×768 against 512×384)".
    public var explanation: String {
        switch reason {
        case .largerResolution:
            return "\(reason.rawValue) (\(keep.width)×\(keep.height) against \(delete.width)×\(delete.height))"
        case .largerFile:
            return "\(reason.rawValue): \(keep.bytes) against \(delete.bytes) bytes"
        case .older:
            let (kept, deleted) = Self.timestamps(keep.modificationTime, delete.modificationTime)
            return "\(reason.rawValue): modified \(kept) against \(deleted)"
        case .alike:
            return reason.rawValue
        }
    }

    /// One line for people: "keep A: <explanation>; delete B".
    public var line: String { "keep \(keep.path): \(explanation); delete \(delete.path)" }

    /// Both times in UTC to the second, or to the nanosecond when they differ only below a second.
    static func timestamps(_ one: Int64, _ other: Int64) -> (String, String) {
        func floorDivision(_ nanoseconds: Int64) -> (seconds: Int64, fraction: Int64) {
            let (quotient, remainder) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
            return remainder < 0 ? (quotient - 1, remainder + 1_000_000_000) : (quotient, remainder)
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        let (oneSplit, otherSplit) = (floorDivision(one), floorDivision(other))
        func text(_ split: (seconds: Int64, fraction: Int64)) -> String {
            let whole = formatter.string(from: Date(timeIntervalSince1970: Double(split.seconds)))
            guard oneSplit.seconds == otherSplit.seconds else { return whole }
            let digits = String(split.fraction)
            return whole.dropLast() + "." + String(repeating: "0", count: 9 - digits.count) + digits + "Z"
        }
        return (text(oneSplit), text(otherSplit))
    }
}
