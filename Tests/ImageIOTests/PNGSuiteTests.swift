import Foundation
import ImageIO
import TestSupport
import Testing

/// The complete PngSuite: every colour type, bit depth, interlacing, filter and chunk layout.
struct PNGSuiteTests {
    static let folder = "png/pngsuite-full"
    static let valid = TestData.files(in: folder, withExtension: "png").filter { !name($0).hasPrefix("x") }
    static let corrupt = TestData.files(in: folder, withExtension: "png").filter { name($0).hasPrefix("x") }

    static func name(_ path: String) -> String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }

    @Test func suiteIsPresent() {
        #expect(Self.valid.count > 140, "PngSuite not found under \(TestData.root.path); set TWINDUP_TESTDATA")
        #expect(Self.corrupt.count == 14, "PngSuite's 14 deliberately corrupt x*.png files not found")
    }

    @Test(arguments: valid)
    func decodesValidImage(path: String) throws {
        let image = try ImageDecoder().decode(fileAt: path)
        #expect(image.format == .png)
        #expect(image.pixels.count == image.width * image.height * 3)
    }

    @Test(arguments: corrupt)
    func refusesCorruptImageNamingFileAndCause(path: String) {
        #expect {
            _ = try ImageDecoder().decode(fileAt: path)
        } throws: { error in
            guard let error = error as? ImageDecodeError else { return false }
            return [.corrupt, .unknownFormat, .truncated].contains(error.code)
                && error.description.contains(path) && !error.cause.isEmpty
        }
    }

    /// PngSuite encodes one picture many ways; the file names say how (`basn`/`basi` = not interlaced/Adam7,
    /// `oiN` = IDAT split N ways, `zNN` = zlib level, `csN` = significant bits, `c`/`p` = RGB/palette,
    /// `08`/`16` = bit depth, `bg*`/`tb*` = background chunk colour, `c[mt]*` = time/text chunks).
    static let equalContentGroups: [[String]] =
        [
            "0g01", "0g02", "0g04", "0g08", "0g16", "2c08", "2c16", "3p01", "3p02", "3p04", "3p08", "4a08", "4a16",
            "6a08",
            "6a16",
        ].map { ["basn\($0)", "basi\($0)"] }
        + [
            "01i3p01", "02i3p01", "03i3p01", "04i3p01", "05i3p02", "06i3p02", "07i3p02", "08i3p02", "09i3p02",
            "32i3p04",
            "33i3p04", "34i3p04", "35i3p04", "36i3p04", "37i3p04", "38i3p04", "39i3p04", "40i3p04",
        ].map {
            ["s\($0)", "s\($0.replacingOccurrences(of: "i", with: "n"))"]
        } + [
            // IDAT chunking and zlib level change nothing.
            ["basn0g16", "oi1n0g16", "oi2n0g16", "oi4n0g16", "oi9n0g16"],
            ["basn2c16", "oi1n2c16", "oi2n2c16", "oi4n2c16", "oi9n2c16"],
            ["z00n2c08", "z03n2c08", "z06n2c08", "z09n2c08"],
            // Suggested palettes and histograms are hints only.
            ["basn0g08", "ps1n0g08", "ps2n0g08"], ["basn2c16", "pp0n2c16", "ps1n2c16", "ps2n2c16"],
            ["basn3p04", "ch1n3p04"], ["basn3p08", "ch2n3p08"],
            // Palette and RGB encodings of one picture.
            ["cs5n2c08", "cs5n3p08"], ["cs8n2c08", "cs8n3p08"],
            // Time and text chunks.
            ["cm0n0g04", "cm7n0g04", "cm9n0g04", "ct0n0g04", "ct1n0g04", "ctzn0g04"],
            // bKGD is ignored: alpha is always composited over white.
            ["basn4a08", "bgai4a08", "bgbn4a08"], ["basn4a16", "bgai4a16", "bggn4a16"],
            ["basn6a08", "bgan6a08", "bgwn6a08"], ["basn6a16", "bgan6a16", "bgyn6a16"],
            ["tbbn2c16", "tbgn2c16"], ["tbbn3p08", "tbgn3p08", "tbwn3p08", "tbyn3p08", "tp1n3p08"],
        ]

    @Test(arguments: equalContentGroups)
    func equalContentDecodesToEqualPixels(group: [String]) throws {
        let decoder = ImageDecoder()
        let images = try group.map { try decoder.decode(fileAt: TestData.path("\(Self.folder)/\($0).png")) }
        for (name, image) in zip(group.dropFirst(), images.dropFirst()) {
            let same = image.width == images[0].width && image.height == images[0].height
            #expect(
                same,
                "\(name).png is \(image.width)x\(image.height), \(group[0]).png is \(images[0].width)x\(images[0].height)"
            )
            guard same else { continue }
            let difference = PixelDifference(image, images[0])
            #expect(difference.maximum == 0, "\(name).png differs from \(group[0]).png by up to \(difference.maximum)")
        }
    }

    /// The `gNN` files store one picture at file gammas 0.35...2.5 (only a drawn label differs); corrected to
    /// sRGB they look the same.
    @Test(arguments: ["n0g16", "n2c08", "n3p04"])
    func gammaVariantsDecodeToTheSamePicture(suffix: String) throws {
        let decoder = ImageDecoder()
        let reference = try decoder.decode(fileAt: TestData.path("\(Self.folder)/g04\(suffix).png"))
        for gamma in ["03", "05", "07", "10", "25"] {
            let image = try decoder.decode(fileAt: TestData.path("\(Self.folder)/g\(gamma)\(suffix).png"))
            let close = zip(image.pixels, reference.pixels).filter { abs(Int($0) - Int($1)) <= 3 }.count
            let share = Double(close) / Double(reference.pixels.count)
            #expect(
                share >= 0.9,
                "g\(gamma)\(suffix).png: only \(Int(share * 100))% of samples within 3 of g04\(suffix).png")
        }
    }
}
