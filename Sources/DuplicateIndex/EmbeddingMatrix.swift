/// The scaled embeddings (w ⊙ h) of every indexed picture in one contiguous buffer, row by row, with the
/// per-row summaries that let a search skip most rows without reading them.
///
/// Rows are padded with zeros to a multiple of 16 floats, so the distance kernel runs whole SIMD16 steps; the
/// zeros add nothing to any distance. Each row also keeps its sixteen block sums (the sums of its coordinates in
/// sixteen equal blocks) and its L1 norm: see `EmbeddingMatrix+Search` for how they bound distances from below.
/// These are stored transposed by groups of eight rows (lane l of a vector is row 8g + l), so the bound of eight
/// rows is sixteen SIMD8 operations; lanes past the last row hold +∞ sums, which no bound passes. Sixteen blocks
/// rather than eight: the bound's pass reads 68 bytes per row instead of 36, but it rules out so many more rows
/// that far fewer full rows (512 bytes each, scattered) are read.
public struct EmbeddingMatrix: Sendable {
    /// Coordinates per embedding.
    public let width: Int
    /// Blocks per row for the bound; `stride` is a multiple of it.
    static let blocks = 16
    /// Floats per stored row: `width` rounded up to a multiple of 16.
    let stride: Int
    /// `count * stride` floats.
    private(set) var values: [Float] = []
    /// Per group of eight rows, `blocks` vectors: vector b holds the eight rows' sums of coordinate block b
    /// (blocks of `stride / blocks` coordinates).
    private(set) var groupBlockSums: [SIMD8<Float>] = []
    /// Per group of eight rows, their L1 norms, for the rounding margin of the bound.
    private(set) var groupNorms: [SIMD8<Float>] = []
    /// The index's id of the file each row belongs to.
    public private(set) var ids: [Int64] = []

    public init(width: Int) {
        precondition(width > 0, "embeddings have at least one coordinate")
        self.width = width
        stride = (width + 15) / 16 * 16
    }

    public var count: Int { ids.count }

    /// Bytes the rows take in memory.
    public var memoryBytes: Int {
        values.capacity * 4 + groupBlockSums.capacity * 32 + groupNorms.capacity * 32 + ids.capacity * 8
    }

    public mutating func reserveCapacity(_ rows: Int) {
        values.reserveCapacity(rows * stride)
        groupBlockSums.reserveCapacity((rows + 7) / 8 * Self.blocks)
        groupNorms.reserveCapacity((rows + 7) / 8)
        ids.reserveCapacity(rows)
    }

    /// Adds a row. `embedding` must have `width` finite coordinates.
    public mutating func append(id: Int64, embedding: [Float]) {
        precondition(embedding.count == width, "expected \(width) coordinates, got \(embedding.count)")
        appendRow(id: id, padded: padded(embedding))
    }

    /// Adds a row from `width` little-endian Float32 values (the index's storage format).
    mutating func append(id: Int64, littleEndianBytes bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == width * 4, "expected \(width * 4) bytes, got \(bytes.count)")
        appendRow(id: id, padded: padded(Self.floats(littleEndianBytes: bytes)))
    }

    /// The little-endian Float32 values of `bytes`.
    static func floats(littleEndianBytes bytes: UnsafeRawBufferPointer) -> [Float] {
        (0..<(bytes.count / 4)).map { float(littleEndianBytes: bytes, at: $0) }
    }

    /// The `index`th little-endian Float32 value of `bytes`.
    static func float(littleEndianBytes bytes: UnsafeRawBufferPointer, at index: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
    }

    private mutating func appendRow(id: Int64, padded row: [Float]) {
        values.append(contentsOf: row)
        ids.append(id)
        setSummary(ofRow: count - 1, Self.summary(of: row))
    }

    private mutating func setSummary(ofRow row: Int, _ summary: (blockSums: SIMD16<Float>, norm: Float)) {
        let (group, lane) = (row / 8, row % 8)
        if group == groupNorms.count {
            groupBlockSums += [SIMD8<Float>](repeating: SIMD8(repeating: .infinity), count: Self.blocks)
            groupNorms.append(SIMD8())
        }
        for block in 0..<Self.blocks { groupBlockSums[group * Self.blocks + block][lane] = summary.blockSums[block] }
        groupNorms[group][lane] = summary.norm
    }

    /// Removes the rows of these files, keeping the others in order (one pass).
    public mutating func remove(ids doomed: Set<Int64>) {
        guard !doomed.isEmpty else { return }
        let kept = RowStorage.remove(doomed, from: &values, ids: &ids, stride: stride)
        groupBlockSums.removeAll(keepingCapacity: true)
        groupNorms.removeAll(keepingCapacity: true)
        for row in 0..<kept {
            setSummary(ofRow: row, Self.summary(of: Array(values[(row * stride)..<((row + 1) * stride)])))
        }
    }

    /// The stored (unpadded) embedding of a row.
    public func embedding(atRow row: Int) -> [Float] {
        Array(values[(row * stride)..<(row * stride + width)])
    }

    /// Whether a row's stored embedding equals `width` little-endian Float32 values, coordinate by coordinate
    /// (as `[Float]` equality compares): an index being opened compares a stored window with its whole this way,
    /// reading neither into an array.
    func row(_ row: Int, equalsLittleEndianBytes bytes: UnsafeRawBufferPointer) -> Bool {
        precondition(bytes.count == width * 4, "expected \(width * 4) bytes, got \(bytes.count)")
        let start = row * stride
        for coordinate in 0..<width
        where values[start + coordinate] != Self.float(littleEndianBytes: bytes, at: coordinate) {
            return false
        }
        return true
    }

    func padded(_ embedding: [Float]) -> [Float] {
        embedding + [Float](repeating: 0, count: stride - embedding.count)
    }

    /// Block sums and L1 norm of a padded row, each summed in coordinate order.
    static func summary(of row: [Float]) -> (blockSums: SIMD16<Float>, norm: Float) {
        let block = row.count / blocks
        var sums = SIMD16<Float>()
        var norm: Float = 0
        for part in 0..<blocks {
            var sum: Float = 0
            for index in (part * block)..<((part + 1) * block) {
                sum += row[index]
                norm += abs(row[index])
            }
            sums[part] = sum
        }
        return (sums, norm)
    }
}
