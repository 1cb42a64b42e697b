/// Two pictures' contents as an unordered pair: the key of a dismissal. Keyed by SHA-256 rather than by path, a
/// dismissal follows the bytes through renames, moves and re-copies.
public struct ContentPair: Hashable, Sendable {
    /// The bytewise smaller of the two hashes.
    public let first: [UInt8]
    public let second: [UInt8]

    public init(_ one: [UInt8], _ other: [UInt8]) {
        let swapped = other.lexicographicallyPrecedes(one)
        first = swapped ? other : one
        second = swapped ? one : other
    }
}

/// The dismissed pairs of an index, in memory, for the scan's filter: a lookup by either hash, so that a file whose
/// contents were never dismissed costs one dictionary probe.
public struct DismissedPairs: Sendable {
    /// `meta.dismissal_generation` when read: a different value in the store means the table changed since.
    public let generation: Int64
    private let partners: [[UInt8]: Set<[UInt8]>]

    public init(generation: Int64, pairs: some Sequence<ContentPair>) {
        self.generation = generation
        var partners: [[UInt8]: Set<[UInt8]>] = [:]
        for pair in pairs {
            partners[pair.first, default: []].insert(pair.second)
            partners[pair.second, default: []].insert(pair.first)
        }
        self.partners = partners
    }

    public static let none = DismissedPairs(generation: -1, pairs: [])

    public var isEmpty: Bool { partners.isEmpty }

    /// Whether any dismissed pair has a picture with these contents.
    public func involves(_ hash: [UInt8]) -> Bool { partners[hash] != nil }

    /// Whether the pair of these two contents was dismissed (in either order).
    public func contains(_ one: [UInt8], _ other: [UInt8]) -> Bool { partners[one]?.contains(other) == true }
}
