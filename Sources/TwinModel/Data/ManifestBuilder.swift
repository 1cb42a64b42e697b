import Foundation
import ImageHashing
import ImageIO

/// Builds a `TrainingManifest` from a folder of extracted package pictures (one subfolder per package).
public struct ManifestBuilder: Sendable {
    /// Pictures with a shorter side than this teach nothing at the network's resolution.
    public var minimumSide = 64
    /// Upper bound on pictures per package, so that large clip-art and game-art packages do not drown the
    /// photographs; the kept ones are chosen by content hash, reproducibly.
    public var packageCaps: [String: Int] = ["openclipart-png": 700, "wesnoth-1.16-data": 700]
    /// Pictures within this many pHash bits (and within `groupingDHashBits` dHash bits) join one group.
    public var groupingPHashBits = 6
    public var groupingDHashBits = 10
    /// Pictures whose pHashes are this close join one group when their dHashes are within
    /// `closeDHashBits`: the same screen or drawing with a label or a small part changed, which the model counts as
    /// one picture (text and patch edits), but which moves more dHash bits than a re-encoding does.
    public var closePHashBits = 4
    public var closeDHashBits = 16
    /// Below this standard deviation in every colour channel (grey levels) a picture is flat: it has no content
    /// that tells it from another flat picture, so it is left out.
    public var flatStandardDeviation: Float = 2
    /// Shares of groups in validation and test; the rest trains.
    public var validationShare = 0.1
    public var testShare = 0.1
    public var threads = 2

    public init() {}

    public struct Report: Sendable {
        public var scanned = 0
        public var undecodable: [String] = []
        public var tooSmall = 0
        public var exactCopies = 0
        public var overCap = 0
        public var flat = 0
    }

    struct Candidate: Sendable {
        var path: String
        var contentHash: String
        var width: Int
        var height: Int
        var package: String
        var pHash: PerceptualHash
        var dHash: PerceptualHash
        /// The hashes of the picture's mirror image: a mirrored copy is the same picture (the mirror edit).
        var mirrorPHash: PerceptualHash
        var mirrorDHash: PerceptualHash
        var isFlat: Bool
    }

    public func build(imagesFolder: String) -> (TrainingManifest, Report) {
        var report = Report()
        let paths = Self.pictureFiles(under: imagesFolder)
        report.scanned = paths.count
        let decoder = ImageDecoder()
        let minimumSide = minimumSide
        let flatStandardDeviation = flatStandardDeviation
        let examined: [Result<Candidate, ImageDecodeError>] = concurrentMap(paths, threads: threads) { path in
            let fullPath = imagesFolder + "/" + path
            guard let data = FileManager.default.contents(atPath: fullPath) else {
                return .failure(ImageDecodeError(.fileUnreadable, path: fullPath, cause: "cannot be read"))
            }
            let bytes = [UInt8](data)
            var work = DecodeWork()
            do throws(ImageDecodeError) {
                let image = try decoder.decode(bytes: bytes, path: fullPath, minimumShortSide: minimumSide, work: &work)
                let plane = LuminancePlane(width: image.width, height: image.height, interleavedRGB: image.pixels)
                let mirror = plane.mirrored()
                return .success(
                    Candidate(
                        path: path, contentHash: SHA256.digest(of: bytes).description, width: image.originalWidth,
                        height: image.originalHeight, package: String(path.prefix { $0 != "/" }),
                        pHash: PerceptualHash.compute(.pHash, of: plane),
                        dHash: PerceptualHash.compute(.dHash, of: plane),
                        mirrorPHash: PerceptualHash.compute(.pHash, of: mirror),
                        mirrorDHash: PerceptualHash.compute(.dHash, of: mirror),
                        isFlat: Self.largestChannelDeviation(image) < flatStandardDeviation))
            } catch {
                return .failure(error)
            }
        }
        var candidates: [Candidate] = []
        var seenHashes = Set<String>()
        for outcome in examined {
            switch outcome {
            case .failure(let error): report.undecodable.append(error.description)
            case .success(let candidate):
                if min(candidate.width, candidate.height) < minimumSide {
                    report.tooSmall += 1
                } else if candidate.isFlat {
                    report.flat += 1
                } else if !seenHashes.insert(candidate.contentHash).inserted {
                    report.exactCopies += 1
                } else {
                    candidates.append(candidate)
                }
            }
        }
        // Caps: a reproducible pseudo-random choice, by a salted hash so that it is independent of the split.
        var byPackage: [String: [Candidate]] = [:]
        for candidate in candidates { byPackage[candidate.package, default: []].append(candidate) }
        candidates = []
        for package in byPackage.keys.sorted() {
            var members = byPackage[package]!
            if let cap = packageCaps[package], members.count > cap {
                members.sort { SHA256.digestHex("cap:" + $0.contentHash) < SHA256.digestHex("cap:" + $1.contentHash) }
                report.overCap += members.count - cap
                members = Array(members.prefix(cap))
            }
            candidates += members
        }
        candidates.sort { $0.path < $1.path }
        let groups = group(candidates)
        let entries = candidates.indices.map { index in
            let candidate = candidates[index]
            return TrainingManifest.Entry(
                path: candidate.path, contentHash: candidate.contentHash, width: candidate.width,
                height: candidate.height, package: candidate.package, group: groups[index],
                split: split(forGroupKey: candidates[groups[index]].contentHash))
        }
        return (TrainingManifest(entries: entries), report)
    }

    /// Union-find over "same picture" links; a group is numbered by its first member's index.
    func group(_ candidates: [Candidate]) -> [Int] {
        var sets = UnionFind(count: candidates.count)
        func join(_ first: Int, _ second: Int) { sets.join(first, second) }
        // Wallpaper packages ship one picture per folder at several resolutions (`…/Name/contents/images/…`).
        var byWallpaper: [String: Int] = [:]
        for (index, candidate) in candidates.enumerated() {
            if let range = candidate.path.range(of: "/contents/") {
                let key = String(candidate.path[..<range.lowerBound])
                if let first = byWallpaper[key] { join(first, index) } else { byWallpaper[key] = index }
            }
        }
        for first in candidates.indices {
            for second in (first + 1)..<candidates.count where showSamePicture(candidates[first], candidates[second]) {
                join(first, second)
            }
        }
        return candidates.indices.map { sets.root($0) }
    }

    /// Whether two pictures are one picture for the model: close in both hashes, or very close in pHash with a
    /// local change, either as they are or with one of them mirrored.
    func showSamePicture(_ first: Candidate, _ second: Candidate) -> Bool {
        func close(_ pHashBits: Int, _ dHashBits: Int) -> Bool {
            (pHashBits <= groupingPHashBits && dHashBits <= groupingDHashBits)
                || (pHashBits <= closePHashBits && dHashBits <= closeDHashBits)
        }
        return close(first.pHash.distance(to: second.pHash), first.dHash.distance(to: second.dHash))
            || close(first.pHash.distance(to: second.mirrorPHash), first.dHash.distance(to: second.mirrorDHash))
    }

    /// The largest standard deviation of the red, green and blue values, in grey levels.
    static func largestChannelDeviation(_ image: Image) -> Float {
        let count = image.width * image.height
        guard count > 0 else { return 0 }
        var sums: [Double] = [0, 0, 0]
        var squares: [Double] = [0, 0, 0]
        image.pixels.withUnsafeBufferPointer { pixels in
            for index in 0..<count {
                for channel in 0..<3 {
                    let value = Double(pixels[3 * index + channel])
                    sums[channel] += value
                    squares[channel] += value * value
                }
            }
        }
        return (0..<3).map { channel in
            let mean = sums[channel] / Double(count)
            return Float(max(0, squares[channel] / Double(count) - mean * mean).squareRoot())
        }.max() ?? 0
    }

    /// The split of a group, from the salted hash of its first member: stable when other pictures come and go.
    func split(forGroupKey key: String) -> TrainingManifest.Split {
        let salted = SHA256.digestHex("split:" + key)
        let bucket = Double(UInt64(salted.prefix(8), radix: 16) ?? 0) / Double(UInt64(1) << 32)
        if bucket < testShare { return .test }
        if bucket < testShare + validationShare { return .validation }
        return .train
    }

    static func pictureFiles(under folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var paths: [String] = []
        while let path = enumerator.nextObject() as? String {
            let lower = path.lowercased()
            guard lower.hasSuffix(".png") || lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") else { continue }
            guard !path.contains("\t"), !path.contains("\n") else { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                paths.append(path)
            }
        }
        return paths.sorted()
    }
}
