import Foundation
import ImageHashing

/// Reads the binary Netpbm reference pictures of ../shared/testdata (P5 gray, P6 RGB; 8 or 16 bit), so that
/// hashing is tested on real photos independently of twindup's own decoders.
enum NetpbmFixture {
    static let testdata: URL = {
        if let override = ProcessInfo.processInfo.environment["TWINDUP_TESTDATA"] {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/testdata")
    }()

    static func luminance(_ relativePath: String) throws -> LuminancePlane {
        let bytes = [UInt8](try Data(contentsOf: testdata.appendingPathComponent(relativePath)))
        var cursor = 0
        func token() -> String {
            while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x0a || bytes[cursor] == 0x0d {
                cursor += 1
            }
            let start = cursor
            while cursor < bytes.count, !(bytes[cursor] == 0x20 || bytes[cursor] == 0x0a || bytes[cursor] == 0x0d) {
                cursor += 1
            }
            return String(decoding: bytes[start..<cursor], as: UTF8.self)
        }
        let magic = token()
        guard let width = Int(token()), let height = Int(token()), let maxValue = Int(token()) else {
            throw FixtureError.malformed(relativePath)
        }
        cursor += 1
        let channels = magic == "P6" ? 3 : 1
        let sampleBytes = maxValue > 255 ? 2 : 1
        guard bytes.count - cursor >= width * height * channels * sampleBytes else {
            throw FixtureError.malformed(relativePath)
        }
        func sample(_ index: Int) -> Float {
            let offset = cursor + index * sampleBytes
            let raw = sampleBytes == 2 ? Int(bytes[offset]) << 8 | Int(bytes[offset + 1]) : Int(bytes[offset])
            return Float(raw) * 255 / Float(maxValue)
        }
        var values = [Float](repeating: 0, count: width * height)
        for pixel in 0..<(width * height) {
            if channels == 3 {
                values[pixel] =
                    0.299 * sample(3 * pixel) + 0.587 * sample(3 * pixel + 1) + 0.114 * sample(3 * pixel + 2)
            } else {
                values[pixel] = sample(pixel)
            }
        }
        return LuminancePlane(width: width, height: height, values: values)
    }

    enum FixtureError: Error {
        case malformed(String)
    }
}
