/// The scaled embeddings (w ⊙ h) of every indexed picture in one contiguous buffer, row by row, with the
/// per-row summaries that let a search skip most rows without reading them.
///
/// Rows are padded with zeros to a multiple of 16 floats, so the distance kernel runs whole SIMD16 steps; the
/// zeros add nothing to any distance. Each row also keeps its eight block sums (the sums of its coordinates in
/// eight equal blocks) and its L1 norm: see `EmbeddingMatrix+Search` for how they bound distances from below.
public struct EmbeddingMatrix: Sendable {
    /// Coordinates per embedding.
    public let width: Int
    /// Floats per stored row: `width` rounded up to a multiple of 16.
    let stride: Int
    /// `count * stride` floats.
    private(set) var values: [Float] = []
    /// One summary per row: the sums of the row's coordinates in blocks of `stride / 8`.
    private(set) var blockSums: [SIMD8<Float>] = []
    /// One L1 norm per row, for the rounding margin of the lower bound.
    private(set) var norms: [Float] = []
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
        values.capacity * 4 + blockSums.capacity * 32 + norms.capacity * 4 + ids.capacity * 8
    }

    public mutating func reserveCapacity(_ rows: Int) {
        values.reserveCapacity(rows * stride)
        blockSums.reserveCapacity(rows)
        norms.reserveCapacity(rows)
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
        var row = [Float](repeating: 0, count: stride)
        for index in 0..<width {
            row[index] = Float(
                bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
        }
        appendRow(id: id, padded: row)
    }

    private mutating func appendRow(id: Int64, padded row: [Float]) {
        let summary = Self.summary(of: row)
        values.append(contentsOf: row)
        blockSums.append(summary.blockSums)
        norms.append(summary.norm)
        ids.append(id)
    }

    /// Removes the rows of these files, keeping the others in order (one pass).
    public mutating func remove(ids doomed: Set<Int64>) {
        guard !doomed.isEmpty else { return }
        var kept = 0
        for row in 0..<count where !doomed.contains(ids[row]) {
            if kept != row {
                for offset in 0..<stride { values[kept * stride + offset] = values[row * stride + offset] }
                blockSums[kept] = blockSums[row]
                norms[kept] = norms[row]
                ids[kept] = ids[row]
            }
            kept += 1
        }
        values.removeSubrange((kept * stride)...)
        blockSums.removeSubrange(kept...)
        norms.removeSubrange(kept...)
        ids.removeSubrange(kept...)
    }

    /// The stored (unpadded) embedding of a row.
    public func embedding(atRow row: Int) -> [Float] {
        Array(values[(row * stride)..<(row * stride + width)])
    }

    func padded(_ embedding: [Float]) -> [Float] {
        embedding + [Float](repeating: 0, count: stride - embedding.count)
    }

    /// Block sums and L1 norm of a padded row, each summed in coordinate order.
    static func summary(of row: [Float]) -> (blockSums: SIMD8<Float>, norm: Float) {
        let block = row.count / 8
        var sums = SIMD8<Float>()
        var norm: Float = 0
        for part in 0..<8 {
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
