import Foundation

/// The EXIF fuzzer's seeds: every EXIF payload found in the given pictures (JPEG APP1 `Exif\0\0` segments, PNG
/// eXIf chunks) plus hand-made ones that reach each branch of the parser.
enum ExifSeeds {
    /// The payloads in every file below `folders`, named after the file they came from, and the hand-made ones.
    static func all(foundIn folders: [String]) -> [(name: String, bytes: [UInt8])] {
        var seeds = handMade()
        for folder in folders {
            let enumerator = FileManager.default.enumerator(atPath: folder)
            while let relative = enumerator?.nextObject() as? String {
                guard let data = FileManager.default.contents(atPath: folder + "/" + relative) else { continue }
                let bytes = [UInt8](data)
                let name = "found-" + relative.replacingOccurrences(of: "/", with: "_")
                let payloads = jpegPayloads(bytes) + pngPayloads(bytes)
                seeds += payloads.enumerated().map { ("\(name)-\($0.offset)", $0.element) }
            }
        }
        return seeds
    }

    /// The payloads of APP1 segments that start with `Exif\0\0`, without that prefix, up to the first scan.
    static func jpegPayloads(_ bytes: [UInt8]) -> [[UInt8]] {
        guard bytes.starts(with: [0xFF, 0xD8]) else { return [] }
        var payloads: [[UInt8]] = []
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF, bytes[offset + 1] != 0xDA {
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { break }
            let segment = Array(bytes[(offset + 4)..<(offset + 2 + length)])
            if bytes[offset + 1] == 0xE1, segment.starts(with: Array("Exif".utf8) + [0, 0]) {
                payloads.append(Array(segment.dropFirst(6)))
            }
            offset += 2 + length
        }
        return payloads
    }

    /// The data of every eXIf chunk.
    static func pngPayloads(_ bytes: [UInt8]) -> [[UInt8]] {
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return [] }
        var payloads: [[UInt8]] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard offset + 12 + length <= bytes.count else { break }
            if bytes[(offset + 4)..<(offset + 8)].elementsEqual("eXIf".utf8) {
                payloads.append(Array(bytes[(offset + 8)..<(offset + 8 + length)]))
            }
            offset += 12 + length
        }
        return payloads
    }

    /// One TIFF structure per parser branch: both byte orders, every orientation, LONG values, bad types and
    /// counts, out-of-range values, offsets past the end, an IFD with other tags first, the `Exif\0\0` prefix.
    static func handMade() -> [(name: String, bytes: [UInt8])] {
        var seeds: [(name: String, bytes: [UInt8])] = []
        for bigEndian in [false, true] {
            let order = bigEndian ? "mm" : "ii"
            func u16(_ value: Int) -> [UInt8] {
                bigEndian
                    ? [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] : [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]
            }
            func u32(_ value: Int) -> [UInt8] {
                bigEndian ? u16(value >> 16) + u16(value & 0xFFFF) : u16(value & 0xFFFF) + u16(value >> 16)
            }
            let header: [UInt8] = (bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]) + u16(42)
            func entry(tag: Int, type: Int, count: Int, value: [UInt8]) -> [UInt8] {
                u16(tag) + u16(type) + u32(count) + value + [UInt8](repeating: 0, count: 4 - value.count)
            }
            func tiff(_ entries: [[UInt8]], ifdOffset: Int = 8) -> [UInt8] {
                header + u32(ifdOffset) + u16(entries.count) + entries.flatMap { $0 } + u32(0)
            }
            for orientation in 0...9 {
                seeds.append(
                    (
                        "\(order)-short-\(orientation)",
                        tiff([entry(tag: 0x0112, type: 3, count: 1, value: u16(orientation))])
                    ))
            }
            seeds.append(("\(order)-long-6", tiff([entry(tag: 0x0112, type: 4, count: 1, value: u32(6))])))
            seeds.append(("\(order)-byte-type", tiff([entry(tag: 0x0112, type: 1, count: 1, value: [6])])))
            seeds.append(("\(order)-count-2", tiff([entry(tag: 0x0112, type: 3, count: 2, value: u16(6) + u16(6))])))
            let others = [
                entry(tag: 0x010F, type: 2, count: 4, value: Array("Cam\0".utf8)),
                entry(tag: 0x0110, type: 2, count: 0, value: []),
            ]
            seeds.append(
                ("\(order)-after-others", tiff(others + [entry(tag: 0x0112, type: 3, count: 1, value: u16(8))])))
            seeds.append(
                (
                    "\(order)-ifd-past-end",
                    tiff([entry(tag: 0x0112, type: 3, count: 1, value: u16(3))], ifdOffset: 0x7FFF_FFF0)
                ))
            seeds.append(
                ("\(order)-ifd-at-header", tiff([entry(tag: 0x0112, type: 3, count: 1, value: u16(3))], ifdOffset: 0)))
            seeds.append(
                (
                    "\(order)-entries-past-end",
                    header + u32(8) + u16(0xFFFF) + entry(tag: 0x0112, type: 3, count: 1, value: u16(5))
                ))
            seeds.append(
                (
                    "\(order)-prefixed-7",
                    Array("Exif".utf8) + [0, 0] + tiff([entry(tag: 0x0112, type: 3, count: 1, value: u16(7))])
                ))
            seeds.append(("\(order)-header-only", header + u32(8)))
        }
        return seeds
    }
}
