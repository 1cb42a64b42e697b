import Foundation
import ImageIO
import TwinModel

/// A small JPEG of an indexed picture as it is on disk now, or why there is none: the file may have gone, changed
/// into something that no longer decodes, or become unreadable since it was indexed.
public enum ReviewThumbnail: Sendable, Equatable {
    case picture(jpeg: [UInt8], width: Int, height: Int)
    case unavailable(reason: String)

    /// Thumbnails of `paths`, each file read and decoded once, on up to `threads` threads at a time.
    public static func make(
        of paths: [RawPath], longSide: Int, decoder: ImageDecoder = ImageDecoder(),
        threads: Int = ProcessInfoCores.active
    ) -> [RawPath: ReviewThumbnail] {
        let distinct = Array(Set(paths))
        let thumbnails = concurrentMap(distinct, threads: threads) {
            make(of: $0, longSide: longSide, decoder: decoder)
        }
        return Dictionary(uniqueKeysWithValues: zip(distinct, thumbnails))
    }

    /// The thumbnail of one file: decoded upright (EXIF orientation applied), JPEGs at the smallest DCT scale that
    /// still covers `longSide`, shrunk to at most `longSide` pixels on its longer side, saved as JPEG quality 80.
    public static func make(of path: RawPath, longSide: Int, decoder: ImageDecoder) -> ReviewThumbnail {
        let bytes: [UInt8]
        do {
            guard let read = try FileSystem.readRegularFile(path, maxBytes: decoder.limits.maxFileBytes) else {
                return .unavailable(reason: "no longer a regular file")
            }
            bytes = read.bytes
        } catch {
            switch error.errorNumber {
            case ENOENT, ENOTDIR: return .unavailable(reason: "gone: no file at this path any more")
            case EFBIG: return .unavailable(reason: "too large: over \(decoder.limits.maxFileBytes) bytes")
            default: return .unavailable(reason: "cannot be read: \(error.operation): \(error.reason)")
            }
        }
        do {
            var work = DecodeWork()
            // A short side of `longSide` guarantees a long side of at least `longSide`, whatever the aspect ratio.
            let image = try decoder.decode(
                bytes: bytes, path: path.description, minimumShortSide: longSide, work: &work)
            let small = image.fitted(withinLongSide: longSide)
            return .picture(jpeg: try JPEGEncoder.encode(small, quality: 80), width: small.width, height: small.height)
        } catch let error as ImageDecodeError {
            return .unavailable(reason: "does not decode: \(error.code): \(error.cause)")
        } catch {
            return .unavailable(reason: "no thumbnail: \(error)")
        }
    }
}
