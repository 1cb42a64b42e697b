import ImageIO
import NeuralNet
import Testing
import TwinModel

@Suite struct PictureEditorTests {
    let photo: Image

    init() throws {
        photo = try Pictures.image("jpeg/testorig.jpg")
    }

    @Test(arguments: EditKind.allCases)
    func everyEditIsReproducibleFromItsSeed(kind: EditKind) {
        var first = RandomSource(seed: 11)
        var second = RandomSource(seed: 11)
        let editor = PictureEditor()
        let a = editor.apply(kind, to: photo, random: &first)
        let b = editor.apply(kind, to: photo, random: &second)
        #expect(a.width == b.width && a.height == b.height && a.pixels == b.pixels, "\(kind) differs for one seed")
        #expect(a.width >= 8 && a.height >= 8)
    }

    @Test(arguments: EditKind.allCases.filter { $0 != .aspect && $0 != .grayscale })
    func everyEditChangesThePicture(kind: EditKind) {
        var random = RandomSource(seed: 3)
        let edited = PictureEditor().apply(kind, to: photo, random: &random)
        let changed = edited.width != photo.width || edited.height != photo.height || edited.pixels != photo.pixels
        #expect(changed, "\(kind) left the picture untouched")
    }

    @Test func cropsKeepTheDocumentedShareOfTheArea() {
        var random = RandomSource(seed: 5)
        let editor = PictureEditor()
        let area = Double(photo.width * photo.height)
        for _ in 0..<40 {
            let half = editor.apply(.halfCrop, to: photo, random: &random)
            let share = Double(half.width * half.height) / area
            // Sides are rounded down to whole pixels and clamped to the picture.
            #expect(share > 0.42 && share <= 0.72, "half crop kept \(share) of the area")
            let mild = editor.apply(.crop, to: photo, random: &random)
            let mildShare = Double(mild.width * mild.height) / area
            #expect(mildShare > 0.6 && mildShare <= 1, "crop kept \(mildShare) of the area")
        }
    }

    @Test func mirroringTwiceRestoresThePicture() {
        var random = RandomSource(seed: 1)
        let editor = PictureEditor()
        let twice = editor.apply(.mirror, to: editor.apply(.mirror, to: photo, random: &random), random: &random)
        #expect(twice.pixels == photo.pixels)
    }

    @Test func grayscaleHasEqualChannels() {
        var random = RandomSource(seed: 1)
        let gray = PictureEditor().apply(.grayscale, to: photo, random: &random)
        for pixel in stride(from: 0, to: gray.pixels.count, by: 3) {
            #expect(gray.pixels[pixel] == gray.pixels[pixel + 1] && gray.pixels[pixel + 1] == gray.pixels[pixel + 2])
        }
    }
}
