import Testing
import TwinModel

/// `twindup eval --hardest N`: the pairs a scorer gets most wrong, named by the pictures' paths.
@Suite struct ExtremePairsTests {
    @Test func namesTheHighestDistinctAndLowestNearDuplicatePairsWorstFirst() throws {
        let pictures = try Pictures.working()
        let benchmark = PairBenchmark(
            pictures: pictures, maximumPictures: 4, kinds: [.jpeg, .mirror], kindsPerPicture: nil, seed: 3, threads: 1)
        let originals = benchmark.originals
        let edited = benchmark.edited
        // Distinct pairs score 0.1 and near-duplicates 0.9, except three planted pairs.
        let falseHigh = (original: 0, edited: edited.firstIndex { $0.source != originals[0] }!)
        let falseHigher = (original: 1, edited: edited.firstIndex { $0.source != originals[1] }!)
        let missed = (original: 2, edited: edited.lastIndex { $0.source == originals[2] }!)
        let extremes = benchmark.extremePairs(count: 2) { original, copy in
            if (original, copy) == falseHigh { return 0.7 }
            if (original, copy) == falseHigher { return 0.8 }
            if (original, copy) == missed { return 0.2 }
            return edited[copy].source == originals[original] ? 0.9 : 0.1
        }
        let path = { (index: Int) in pictures.entries[index].path }
        #expect(extremes.hardestDistinct.map(\.score) == [0.8, 0.7])
        #expect(extremes.hardestDistinct[0].original == path(originals[1]))
        #expect(extremes.hardestDistinct[0].copyOf == path(edited[falseHigher.edited].source))
        #expect(extremes.hardestDistinct[0].kind == "distinct (\(edited[falseHigher.edited].kind.rawValue))")
        #expect(extremes.hardestDistinct[1].original == path(originals[0]))
        #expect(extremes.weakestNearDuplicates.map(\.score) == [0.2, 0.9])
        #expect(extremes.weakestNearDuplicates[0].original == path(originals[2]))
        #expect(extremes.weakestNearDuplicates[0].copyOf == path(originals[2]))
        #expect(extremes.weakestNearDuplicates[0].kind == "mirror")
        #expect(benchmark.extremePairs(count: 0) { _, _ in 1 }.hardestDistinct.isEmpty)
    }
}
