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

    /// The false pairs at a threshold, per pair of pictures: both directions of one picture pair count together.
    @Test func countsDistinctPairsAboveAThresholdPerPairOfPictures() throws {
        let pictures = try Pictures.working()
        let benchmark = PairBenchmark(
            pictures: pictures, maximumPictures: 4, kinds: [.jpeg, .mirror], kindsPerPicture: nil, seed: 3, threads: 1)
        let (originals, edited) = (benchmark.originals, benchmark.edited)
        // Pictures 0 and 1 look alike both ways (2 copies each way: 4 pairs); one copy of 3 looks like picture 2.
        let alike = Set([originals[0], originals[1]])
        let oneOfThree = edited.firstIndex { $0.source == originals[3] }!
        let counts = benchmark.distinctPairsAtOrAbove(0.5) { original, copy in
            let (picture, source) = (originals[original], edited[copy].source)
            if picture == source { return 0.9 }
            if alike == [picture, source] { return 0.6 }
            return picture == originals[2] && copy == oneOfThree ? 0.5 : 0.1
        }
        let path = { (index: Int) in pictures.entries[index].path }
        #expect(counts.map(\.pairs) == [4, 1])
        #expect(Set([counts[0].first, counts[0].second]) == Set([path(originals[0]), path(originals[1])]))
        #expect(Set([counts[1].first, counts[1].second]) == Set([path(originals[2]), path(originals[3])]))
        #expect(benchmark.distinctPairsAtOrAbove(0.95) { _, _ in 0.9 }.isEmpty)
    }
}
