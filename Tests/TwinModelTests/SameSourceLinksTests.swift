import Foundation
import NeuralNet
import TestSupport
import Testing

@testable import TwinModel

/// Pictures of different groups linked as one source are never a distinct pair: not in a training batch together,
/// not each other's mined hard negatives, not among the evaluation's distinct pairs.
@Suite struct SameSourceLinksTests {
    /// The ten test pictures, each its own group; pictures 0, 1 and 2 are linked into one family.
    func linkedPictures() throws -> (WorkingPictures, SameSourceLinks) {
        let pictures = try Pictures.working()
        let paths = pictures.entries.map(\.path)
        let links = try SameSourceLinks(
            tsv:
                "first\tsecond\tjudgement\n\(paths[0])\t\(paths[1])\tsame-source\n\(paths[2])\t\(paths[1])\tambiguous\n",
            source: "links.tsv", manifest: TrainingManifest(entries: pictures.entries))
        return (pictures.linking(links), links)
    }

    @Test func linksJoinGroupsIntoFamiliesAndNothingElse() throws {
        let (pictures, links) = try linkedPictures()
        #expect(links.links.count == 2)
        #expect(!pictures.areDistinct(0, 1) && !pictures.areDistinct(0, 2) && !pictures.areDistinct(1, 2))
        for other in 3..<pictures.images.count {
            #expect(pictures.areDistinct(0, other) && pictures.areDistinct(2, other))
        }
        #expect(pictures.groups.count == pictures.images.count, "links must not merge the manifest's groups")
        // Without links every picture is its own family, as before links existed.
        let plain = try Pictures.working()
        #expect(Set(plain.familyOfPicture).count == plain.images.count)
        #expect(SameSourceLinks.none.digest == nil && links.digest?.count == 64)
    }

    @Test func theBenchmarkLeavesOutExactlyTheLinkedDistinctPairs() throws {
        let (linked, _) = try linkedPictures()
        let plain = try Pictures.working()
        let kinds: [EditKind] = [.jpeg, .crop, .mirror]
        func benchmark(_ pictures: WorkingPictures) -> PairBenchmark {
            PairBenchmark(
                pictures: pictures, maximumPictures: .max, kinds: kinds, kindsPerPicture: nil, seed: 3, threads: 1)
        }
        let withLinks = benchmark(linked).scoredPairs { _, _ in 0 }
        let without = benchmark(plain).scoredPairs { _, _ in 0 }
        // Three linked originals, each against the three copies of each of the two others.
        let expectedLeftOut = 3 * 2 * kinds.count
        #expect(benchmark(linked).sameSourcePairsLeftOut == expectedLeftOut)
        #expect(benchmark(plain).sameSourcePairsLeftOut == 0)
        #expect(withLinks.count { $0.isDuplicate } == without.count { $0.isDuplicate })
        #expect(withLinks.count { !$0.isDuplicate } == without.count { !$0.isDuplicate } - expectedLeftOut)
    }

    @Test func trainingNeverPairsLinkedPicturesAsDistinct() throws {
        let (pictures, _) = try linkedPictures()
        let trainer = TwinTrainer(
            configuration: Pictures.tinyConfiguration(steps: 2), training: pictures,
            architecture: Pictures.tinyArchitecture)
        try trainer.mineHardNegatives()
        let neighbours = try #require(trainer.neighbours)
        for (picture, row) in neighbours.enumerated() {
            #expect(!row.isEmpty)
            for neighbour in row {
                #expect(pictures.areDistinct(picture, neighbour), "picture \(picture) mined \(neighbour) of its family")
            }
        }
        var random = RandomSource(seed: 11)
        for _ in 0..<100 {
            let chosen = trainer.sampler.chooseSources(count: 8, neighbours: neighbours, random: &random)
            #expect(Set(chosen.map { pictures.familyOfPicture[$0] }).count == chosen.count)
        }
    }

    @Test func aLinkToAPictureTheManifestLacksIsRefusedNamingFileAndLine() throws {
        let manifest = TrainingManifest(entries: try Pictures.working().entries)
        let known = manifest.entries[0].path
        func refusal(_ text: String) -> String? {
            do {
                _ = try SameSourceLinks(tsv: text, source: "Models/same-source.tsv", manifest: manifest)
                return nil
            } catch {
                return error.description
            }
        }
        let unknown = refusal("first\tsecond\tjudgement\n\(known)\tgone/picture.png\tsame-source\n")
        #expect(unknown?.contains("Models/same-source.tsv: line 2 names gone/picture.png") == true, "\(unknown ?? "-")")
        let judgement = refusal("first\tsecond\tjudgement\n\(known)\t\(known)\tsimilar\n")
        #expect(judgement?.contains("line 2 is not two paths and a judgement") == true, "\(judgement ?? "-")")
        #expect(refusal("path\tpath\n")?.contains("the first line") == true)
        #expect(try SameSourceLinks.named("none", manifest: manifest, manifestPath: "Models/m.tsv") == .none)
        #expect(throws: ManifestError.self) {
            try SameSourceLinks.named("/nonexistent/links.tsv", manifest: manifest, manifestPath: "Models/m.tsv")
        }
    }

    /// Without --same-source the links beside the manifest apply, and a manifest with none beside it has none.
    @Test func theDefaultLinksAreTheFileBesideTheManifest() throws {
        let folder = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest = TrainingManifest(entries: try Pictures.working().entries)
        let manifestPath = folder.appendingPathComponent("manifest.tsv").path
        #expect(try SameSourceLinks.named(nil, manifest: manifest, manifestPath: manifestPath) == .none)
        let paths = manifest.entries.map(\.path)
        try "first\tsecond\tjudgement\n\(paths[3])\t\(paths[4])\tambiguous\n".write(
            to: folder.appendingPathComponent(SameSourceLinks.fileName), atomically: true, encoding: .utf8)
        let beside = try SameSourceLinks.named(nil, manifest: manifest, manifestPath: manifestPath)
        #expect(beside.links.map(\.judgement) == ["ambiguous"])
        #expect(try SameSourceLinks.named("none", manifest: manifest, manifestPath: manifestPath) == .none)
    }

    /// The committed links name pictures of the committed manifest (else every train and eval run would refuse them).
    @Test func theCommittedLinksMatchTheCommittedManifest() throws {
        let root = TestData.packageRoot.path
        let manifest = try TrainingManifest(contentsOf: root + "/Models/training-manifest.tsv")
        let links = try SameSourceLinks(contentsOf: root + "/Models/same-source.tsv", manifest: manifest)
        #expect(links.links.count > 0)
        let group = Dictionary(manifest.entries.map { ($0.path, $0.group) }, uniquingKeysWith: { first, _ in first })
        for link in links.links { #expect(group[link.first] != group[link.second], "\(link) is one group already") }
    }
}
