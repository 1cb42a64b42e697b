/// What a scan did, for its closing lines.
public struct ScanSummary: Sendable {
    /// Picture files found under the folders.
    public var found = 0
    /// Files whose device, inode, size and modification time matched the index: not read.
    public var unchanged = 0
    public var added = 0
    /// Files changed since indexed, or embedded by another model: read again.
    public var changed = 0
    /// Rows removed because their file is gone.
    public var removed = 0
    /// Files handed to the decoder (copies of known bytes are not decoded).
    public var decoded = 0
    public var decodeErrors = 0
    public var exactDuplicates = 0
    /// Files with at least one near-duplicate.
    public var nearDuplicates = 0
    public var seconds = 0.0
    /// Folders or files the walk could not examine.
    public var walkProblems: [String] = []

    public init() {}
}

/// Where a scan is, for a progress display.
public struct ScanProgress: Sendable {
    public var processed: Int
    public var total: Int
    public var decoded: Int
    public var seconds: Double
}
