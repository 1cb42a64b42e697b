import ImageHashing
import Testing
import TwinModel

@testable import DuplicateIndex

/// The hash search against brute force: every pair's bit count from `PerceptualHash.distance`.
struct HashMatrixTests {
    /// Hashes near a few centres (so that searches find several rows at small cuts), every fifth an exact repeat.
    static func hashes(count: Int, seed: UInt64) -> [PerceptualHash] {
        var generator = SplitMix(state: seed)
        let centres = (0..<4).map { _ in (0..<4).map { _ in generator.next() } }
        var result: [PerceptualHash] = []
        for number in 0..<count {
            if number % 5 == 4, let earlier = result.randomElement(using: &generator) {
                result.append(earlier)
                continue
            }
            var words = centres[number % centres.count]
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                let bit = Int.random(in: 0..<256, using: &generator)
                words[bit / 64] ^= 1 << UInt64(bit % 64)
            }
            result.append(PerceptualHash(kind: .pdq, words: words))
        }
        return result
    }

    static func matrix(of hashes: [PerceptualHash]) -> HashMatrix {
        var matrix = HashMatrix(kind: .pdq)
        for (row, hash) in hashes.enumerated() { matrix.append(id: Int64(row * 2 + 1), hash: hash) }
        return matrix
    }

    @Test(arguments: [(rows: 700, threads: 1), (rows: 40_000, threads: 2)])
    func searchFindsExactlyTheHashesWithinTheCut(rows: Int, threads: Int) {
        let hashes = Self.hashes(count: rows, seed: UInt64(rows))
        let matrix = Self.matrix(of: hashes)
        for (query, cut) in [(hashes[3], 0), (hashes[10], 12), (hashes[17], 30), (hashes[rows - 1], 64)] {
            let expected = hashes.enumerated().compactMap { row, hash -> (Int64, Int)? in
                let bits = hash.distance(to: query)
                return bits <= cut ? (Int64(row * 2 + 1), bits) : nil
            }
            let found = matrix.search(withinBits: cut, of: query, threads: threads).sorted { $0.id < $1.id }
            #expect(found.map(\.id) == expected.map(\.0), "cut \(cut)")
            #expect(found.map(\.bits) == expected.map(\.1), "cut \(cut)")
            #expect(found.contains { $0.bits == 0 }, "the query itself is stored")
        }
        #expect(matrix.search(withinBits: -1, of: hashes[0], threads: threads).isEmpty)
    }

    @Test func nearestIsTheFirstKOfEveryRowByBitsThenId() {
        let hashes = Self.hashes(count: 300, seed: 5)
        let matrix = Self.matrix(of: hashes)
        let query = hashes[42]
        let everything = hashes.enumerated().map {
            (id: Int64($0.offset * 2 + 1), bits: $0.element.distance(to: query))
        }
        .sorted { $0.bits < $1.bits || ($0.bits == $1.bits && $0.id < $1.id) }
        let nearest = matrix.nearest(12, to: query)
        #expect(nearest.map(\.id) == everything.prefix(12).map(\.id))
        #expect(nearest.map(\.bits) == everything.prefix(12).map(\.bits))
        #expect(matrix.nearest(0, to: query).isEmpty)
    }

    @Test func removingFilesKeepsTheOthersInOrder() {
        let hashes = Self.hashes(count: 50, seed: 9)
        var matrix = Self.matrix(of: hashes)
        let doomed: Set<Int64> = [1, 7, 99]
        matrix.remove(ids: doomed)
        let kept = hashes.enumerated().filter { !doomed.contains(Int64($0.offset * 2 + 1)) }
        #expect(matrix.ids == kept.map { Int64($0.offset * 2 + 1) })
        #expect((0..<matrix.count).map { matrix.hash(atRow: $0) } == kept.map(\.element))
    }

    /// The largest bit count within a radius is exact at the edge, where a division would round either way.
    @Test func largestBitsWithinARadiusIsExactAtItsEdge() {
        let comparison = WindowMatching.shippedHashComparison
        for bits in [0, 1, 17, 64, 255, 256] {
            let edge = comparison.distance(bits: bits)
            #expect(comparison.largestBits(within: edge) == bits, "at \(edge)")
            #expect(comparison.largestBits(within: edge.nextDown) == (bits == 0 ? nil : bits - 1), "below \(edge)")
        }
        #expect(comparison.largestBits(within: 1e9) == 256)
        #expect(comparison.largestBits(within: .infinity) == 256)
        #expect(comparison.largestBits(within: comparison.offset.nextDown) == nil)
        #expect(comparison.largestBits(within: -.infinity) == nil)
    }
}
