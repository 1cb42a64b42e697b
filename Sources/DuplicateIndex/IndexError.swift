/// Why an index cannot be used. The description names the index file and says what to do.
public struct IndexError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The file is not a SQLite database, or its pages are damaged.
        public static let corrupt = Code("damaged")
        /// The index holds embeddings of another model.
        public static let modelMismatch = Code("made by another model")
        /// A newer twindup wrote it.
        public static let unknownSchema = Code("unknown schema")
        /// Another twindup process is scanning into it.
        public static let busy = Code("in use")
        /// SQLite or the file system failed otherwise.
        public static let io = Code("unusable")

        public var description: String { name }
    }

    public var code: Code
    public var path: String
    public var cause: String

    public init(_ code: Code, path: String, cause: String) {
        self.code = code
        self.path = path
        self.cause = cause
    }

    public var description: String { "index \(path): \(code): \(cause)" }
}
