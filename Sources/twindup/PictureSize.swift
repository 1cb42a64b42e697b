import ArgumentParser
import Foundation

/// A picture's stored width and height from its header, without decoding: the PNG IHDR or the first JPEG SOF.
/// For choosing benchmark files by size.
enum PictureSize {
    /// What the header says: the stored size, and for a JPEG whether its frame is progressive (SOF2, SOF6,
    /// SOF10, SOF14), which decides how much a scaled decode can skip.
    struct Header {
        let width: Int
        let height: Int
        let progressive: Bool
    }

    static func of(fileAt path: String) -> (width: Int, height: Int)? {
        header(fileAt: path).map { ($0.width, $0.height) }
    }

    static func header(fileAt path: String) -> Header? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 256 * 1024) else { return nil }
        let bytes = [UInt8](head)
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), bytes.count >= 24 {
            return Header(width: bigEndian(bytes, 16, 4), height: bigEndian(bytes, 20, 4), progressive: false)
        }
        guard bytes.starts(with: [0xFF, 0xD8]) else { return nil }
        var offset = 2
        while offset + 9 < bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xFF {
                offset += 1
                continue
            }
            let length = bigEndian(bytes, offset + 2, 2)
            // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                return Header(
                    width: bigEndian(bytes, offset + 7, 2), height: bigEndian(bytes, offset + 5, 2),
                    progressive: [0xC2, 0xC6, 0xCA, 0xCE].contains(marker))
            }
            offset += 2 + length
        }
        return nil
    }

    /// The files anywhere under `folder` whose extension, lower-cased, is one of `extensions`.
    static func files(under folder: String, extensions: Set<String>) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else {
            throw ValidationError("\(folder): cannot be listed")
        }
        var files: [String] = []
        for case let relative as String in walker
        where extensions.contains((relative as NSString).pathExtension.lowercased()) {
            files.append((folder as NSString).appendingPathComponent(relative))
        }
        return files
    }

    /// `paths` in a fixed shuffle (by FNV-1a of the path): benchmarks that choose from it pick the same files on
    /// every run, whatever order a folder lists them in, with the folders' kinds of pictures mixed.
    static func shuffled(_ paths: [String]) -> [String] {
        let key = { (path: String) in path.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 } }
        return paths.sorted { key($0) < key($1) }
    }

    private static func bigEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int {
        (0..<count).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
    }
}
