/// Why a file could not be decoded. The description names the file and the cause, ready for a log line.
public struct ImageDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A kind of failure, extensible without breaking callers that switch over the ones they know.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The file could not be opened or read (missing, permissions, a directory, an I/O error).
        public static let fileUnreadable = Code("file unreadable")
        /// The file has zero bytes.
        public static let empty = Code("empty file")
        /// The first bytes are neither PNG's nor JPEG's signature.
        public static let unknownFormat = Code("unknown format")
        /// The data ends before the image does.
        public static let truncated = Code("truncated")
        /// The codec rejected the data (bad CRC, bad header, bad compressed stream).
        public static let corrupt = Code("corrupt")
        /// A valid file of a kind the codec cannot decode (12-bit or lossless JPEG).
        public static let unsupported = Code("unsupported")
        /// Over a decode limit (pixels, file bytes, progressive scans); refused before allocating pixels.
        public static let tooLarge = Code("too large")
        /// Memory ran out while decoding.
        public static let outOfMemory = Code("out of memory")

        public var description: String { name }
    }

    public var code: Code
    /// The file being decoded, as the caller named it.
    public var path: String
    /// A human explanation of the cause, from twindup or the codec.
    public var cause: String

    public init(_ code: Code, path: String, cause: String) {
        self.code = code
        self.path = path
        self.cause = cause
    }

    public var description: String { "\(path): \(code): \(cause)" }
}
