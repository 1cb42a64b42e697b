import Foundation
import ImageIO
import TestSupport
import Testing

/// What a user sees in the log for files that are not decodable images.
struct DecodeErrorTests {
    func expectError(
        _ code: ImageDecodeError.Code, decoding path: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let image = try ImageDecoder().decode(fileAt: path)
            Issue.record("\(path) decoded as a \(image.width)x\(image.height) image", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(
                error.description.contains(path), "the error does not name the file: \(error)",
                sourceLocation: sourceLocation)
            #expect(!error.cause.isEmpty, sourceLocation: sourceLocation)
        }
    }

    @Test func zeroByteFileIsEmpty() throws {
        let directory = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        expectError(.empty, decoding: try Fixtures.write([], named: "empty.jpg", in: directory))
    }

    @Test func textFileIsUnknownFormat() {
        expectError(.unknownFormat, decoding: TestData.path("README.md"))
    }

    @Test func formatComesFromContentNotName() throws {
        let directory = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestData.path("png/pngsuite-full/basn2c08.png"))))
        let image = try ImageDecoder().decode(fileAt: try Fixtures.write(png, named: "photo.jpg", in: directory))
        #expect(image.format == .png)
    }

    @Test func missingFileAndDirectoryAreUnreadable() {
        expectError(.fileUnreadable, decoding: TestData.path("no-such-file.png"))
        expectError(.fileUnreadable, decoding: TestData.path("png"))
    }

    @Test func fileOverTheByteLimitIsRefusedUnread() {
        let path = TestData.path("jpeg/testorig.jpg")
        let decoder = ImageDecoder(limits: DecodeLimits(maxFileBytes: 1000))
        #expect {
            _ = try decoder.decode(fileAt: path)
        } throws: { error in
            (error as? ImageDecodeError)?.code == .tooLarge
        }
    }
}
