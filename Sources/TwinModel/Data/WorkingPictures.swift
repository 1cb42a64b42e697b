import Foundation
import ImageHashing
import ImageIO

/// The pictures of one split, decoded once and kept in memory at a working size (short side at most
/// `workingShortSide`), so that training edits them without decoding every step. Edits at this size and the
/// final squash to the network's input match what inference sees after DCT scaling.
public struct WorkingPictures: Sendable {
    public let entries: [TrainingManifest.Entry]
    public let images: [Image]
    /// Indices into `entries` by manifest group: pictures of one group show the same picture.
    public let groups: [[Int]]
    /// For each picture, its position in `groups`.
    public let groupOfPicture: [Int]
    /// For each picture, its family: the group positions joined by `SameSourceLinks`, numbered by their first
    /// group. Two pictures of one family are never a distinct pair. Without links a family is its group.
    public let familyOfPicture: [Int]

    public static let workingShortSide = 160

    public init(entries: [TrainingManifest.Entry], images: [Image], sameSource: SameSourceLinks = .none) {
        precondition(entries.count == images.count, "one image per manifest entry")
        self.entries = entries
        self.images = images
        var byGroup: [Int: [Int]] = [:]
        for (index, entry) in entries.enumerated() { byGroup[entry.group, default: []].append(index) }
        groups = byGroup.keys.sorted().map { byGroup[$0]! }
        var groupOfPicture = [Int](repeating: 0, count: entries.count)
        for (position, members) in groups.enumerated() {
            for member in members { groupOfPicture[member] = position }
        }
        self.groupOfPicture = groupOfPicture
        familyOfPicture = Self.families(
            entries: entries, groups: groups, groupOfPicture: groupOfPicture, sameSource: sameSource)
    }

    /// These pictures with `links` applied.
    public func linking(_ links: SameSourceLinks) -> WorkingPictures {
        WorkingPictures(entries: entries, images: images, sameSource: links)
    }

    /// Whether two pictures may be a distinct pair: neither one group nor linked as one source.
    public func areDistinct(_ first: Int, _ second: Int) -> Bool { familyOfPicture[first] != familyOfPicture[second] }

    /// Union-find over group positions; links naming a picture outside `entries` (another split) join nothing.
    static func families(
        entries: [TrainingManifest.Entry], groups: [[Int]], groupOfPicture: [Int], sameSource: SameSourceLinks
    ) -> [Int] {
        var families = UnionFind(count: groups.count)
        let pictureOfPath = Dictionary(
            entries.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { first, _ in first })
        for link in sameSource.links {
            guard let first = pictureOfPath[link.first], let second = pictureOfPath[link.second] else { continue }
            families.join(groupOfPicture[first], groupOfPicture[second])
        }
        return groupOfPicture.map { families.root($0) }
    }

    /// Decodes `entries` from `imagesFolder`, or reads them from `cacheFile` when it was written for exactly
    /// these entries. Pictures that no longer decode are reported and left out.
    public static func load(
        entries: [TrainingManifest.Entry], imagesFolder: String, cacheFile: String?, threads: Int,
        log: (String) -> Void
    ) throws -> WorkingPictures {
        let key = SHA256.digestHex(entries.map { "\($0.path)\t\($0.contentHash)" }.joined(separator: "\n"))
        if let cacheFile, let cached = readCache(cacheFile, key: key, entries: entries) {
            log("read \(cached.images.count) working pictures from \(cacheFile)")
            return cached
        }
        let started = Date()
        let decoded: [Image?] = concurrentMap(entries, threads: threads) { entry in
            guard
                let image = try? ImageDecoder().decode(
                    fileAt: imagesFolder + "/" + entry.path, minimumShortSide: workingShortSide)
            else { return nil }
            return workingSize(image)
        }
        var keptEntries: [TrainingManifest.Entry] = []
        var images: [Image] = []
        for (entry, image) in zip(entries, decoded) {
            if let image {
                keptEntries.append(entry)
                images.append(image)
            } else {
                log("left out \(entry.path): it no longer decodes")
            }
        }
        log("decoded \(images.count) pictures in \(Int(Date().timeIntervalSince(started))) s")
        let pictures = WorkingPictures(entries: keptEntries, images: images)
        if let cacheFile, keptEntries.count == entries.count {
            try writeCache(pictures, to: cacheFile, key: key)
        }
        return pictures
    }

    static func workingSize(_ image: Image) -> Image {
        let short = min(image.width, image.height)
        guard short > workingShortSide else {
            return Image(width: image.width, height: image.height, pixels: image.pixels)
        }
        let scale = Double(workingShortSide) / Double(short)
        let resized = image.resized(
            width: max(1, Int((Double(image.width) * scale).rounded())),
            height: max(1, Int((Double(image.height) * scale).rounded())), filter: .areaAverage)
        return Image(width: resized.width, height: resized.height, pixels: resized.pixels)
    }

    // Cache format: "TWPC" magic, the 64-character entries key, then per picture width and height as
    // little-endian UInt32 and the RGB bytes.
    static func writeCache(_ pictures: WorkingPictures, to path: String, key: String) throws {
        var bytes = Array("TWPC".utf8) + Array(key.utf8)
        for image in pictures.images {
            withUnsafeBytes(of: UInt32(image.width).littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(image.height).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: image.pixels)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func readCache(_ path: String, key: String, entries: [TrainingManifest.Entry]) -> WorkingPictures? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.count >= 68, Array(bytes[0..<4]) == Array("TWPC".utf8),
            String(decoding: bytes[4..<68], as: UTF8.self) == key
        else { return nil }
        var cursor = 68
        var images: [Image] = []
        func readUInt32() -> Int? {
            guard cursor + 4 <= bytes.count else { return nil }
            defer { cursor += 4 }
            return Int(bytes[cursor]) | Int(bytes[cursor + 1]) << 8 | Int(bytes[cursor + 2]) << 16 | Int(
                bytes[cursor + 3]) << 24
        }
        for _ in entries {
            guard let width = readUInt32(), let height = readUInt32(), width > 0, height > 0,
                cursor + width * height * 3 <= bytes.count
            else { return nil }
            images.append(
                Image(width: width, height: height, pixels: Array(bytes[cursor..<(cursor + width * height * 3)])))
            cursor += width * height * 3
        }
        return cursor == bytes.count ? WorkingPictures(entries: entries, images: images) : nil
    }
}
