import ImageIO
import TestSupport
import Testing
import TwinModel

@Suite struct WindowGridTests {
    @Test func gridWindowsTileThePictureFromEdgeToEdge() {
        let rectangles = WindowGrid(perAxis: 3, side: 0.8).rectangles(width: 100, height: 50)
        #expect(rectangles.count == 9)
        #expect(rectangles.allSatisfy { $0.width == 80 && $0.height == 40 })
        #expect(rectangles.map(\.x) == [0, 10, 20, 0, 10, 20, 0, 10, 20])
        #expect(rectangles.map(\.y) == [0, 0, 0, 5, 5, 5, 10, 10, 10])
        let single = WindowGrid(perAxis: 1, side: 0.5).rectangles(width: 101, height: 40)
        #expect(single.count == 1 && single[0].x == 25 && single[0].y == 10 && single[0].width == 51)
    }

    @Test func windowsHoldThePixelsOfTheirPartOfThePicture() {
        // Every pixel's samples encode its position, so a window taken from the wrong place cannot match.
        let width = 20
        let height = 10
        let picture = Self.positionCoded(width: width, height: height, blue: 7)
        let grid = WindowGrid(perAxis: 2, side: 0.5)
        for (window, rectangle) in zip(grid.windows(of: picture), grid.rectangles(width: width, height: height)) {
            #expect(window.width == rectangle.width && window.height == rectangle.height)
            #expect(window.rgb(x: 0, y: 0) == (UInt8(rectangle.x), UInt8(rectangle.y), 7))
            let last = window.rgb(x: window.width - 1, y: window.height - 1)
            #expect(last == (UInt8(rectangle.x + rectangle.width - 1), UInt8(rectangle.y + rectangle.height - 1), 7))
        }
    }

    @Test func windowsOfALargePictureAreCutFromAReducedCopy() {
        // 1,440×960, black on the left half, white on the right: windows come from a 480×320 copy (short side 320),
        // and still show their part of the picture.
        let width = 1440
        let height = 960
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in (width / 2)..<width { for channel in 0..<3 { pixels[(y * width + x) * 3 + channel] = 255 } }
        }
        let grid = WindowGrid(perAxis: 3, side: 0.8)
        let windows = grid.windows(of: Image(width: width, height: height, pixels: pixels))
        let expected = grid.rectangles(width: 480, height: 320)
        #expect(windows.count == 9)
        #expect(zip(windows, expected).allSatisfy { $0.width == $1.width && $0.height == $1.height })
        #expect(windows[0].rgb(x: 0, y: 0) == (0, 0, 0))
        #expect(windows[2].rgb(x: windows[2].width - 1, y: windows[2].height - 1) == (255, 255, 255))
        // A picture within the limit is cut as it is.
        let small = grid.windows(
            of: Image(width: 400, height: 300, pixels: [UInt8](repeating: 9, count: 400 * 300 * 3)))
        #expect(small[0].width == grid.rectangles(width: 400, height: 300)[0].width)
    }

    /// A frame or letterbox bars are cut off in the content window, whatever their width, and a picture without
    /// borders gets no extra pass: its content window is the whole picture.
    @Test func theContentWindowIsThePictureInsideItsBorders() throws {
        let photo = try ImageDecoder().decode(fileAt: TestData.path("jpeg/testorig.jpg"))
        let picture = Image(width: photo.width, height: photo.height, pixels: photo.pixels)
        let framed = Self.framed(picture, left: 13, right: 13, top: 60, bottom: 44, colour: (255, 255, 255))
        let grid = WindowGrid(perAxis: 3, side: 0.8, contentWindow: true)
        #expect(grid.count == 10 && WindowGrid(perAxis: 3, side: 0.8).count == 9)
        let windows = grid.windows(of: framed)
        #expect(windows.count == 10)
        let content = try #require(windows.last)
        #expect(content.width == picture.width && content.height == picture.height)
        #expect(content.pixels == picture.pixels)

        let preparation = InputPreparation(side: 32, trimsBorders: false)
        let framedInputs = grid.networkInputs(of: framed, preparation: preparation)
        #expect(framedInputs.count == 10 && framedInputs.allSatisfy { $0 != nil })
        #expect(framedInputs[9] == NetworkInput.preprocess(picture, preparation: preparation))
        let plainInputs = grid.networkInputs(of: picture, preparation: preparation)
        #expect(plainInputs.count == 10 && plainInputs.prefix(9).allSatisfy { $0 != nil } && plainInputs[9] == nil)
        #expect(WindowGrid(perAxis: 3, side: 0.8).networkInputs(of: framed, preparation: preparation).count == 9)
    }

    /// The mirror window is the whole picture flipped left to right, after the grid and the content window.
    @Test func theMirrorWindowIsThePictureFlipped() throws {
        let width = 7
        let height = 3
        let picture = Self.positionCoded(width: width, height: height, blue: 9)
        let flipped = picture.mirrored()
        #expect(flipped.width == width && flipped.height == height)
        for y in 0..<height {
            for x in 0..<width { #expect(flipped.rgb(x: x, y: y) == (UInt8(width - 1 - x), UInt8(y), 9)) }
        }
        #expect(flipped.mirrored().pixels == picture.pixels)

        let grid = WindowGrid(perAxis: 2, side: 0.6, contentWindow: true, mirrorWindow: true)
        #expect(grid.count == 6)
        let windows = grid.windows(of: picture)
        #expect(windows.count == 6 && windows[5].pixels == flipped.pixels)
        let preparation = InputPreparation(side: 16, trimsBorders: false)
        let inputs = grid.networkInputs(of: picture, preparation: preparation)
        #expect(inputs.count == 6 && inputs[5] == NetworkInput.preprocess(flipped, preparation: preparation))
    }

    /// A picture whose pixel at (x, y) is (x, y, `blue`).
    static func positionCoded(width: Int, height: Int, blue: UInt8) -> Image {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width { pixels += [UInt8(x), UInt8(y), blue] }
        }
        return Image(width: width, height: height, pixels: pixels)
    }

    static func framed(
        _ picture: Image, left: Int, right: Int, top: Int, bottom: Int, colour: (UInt8, UInt8, UInt8)
    ) -> Image {
        let width = picture.width + left + right
        let height = picture.height + top + bottom
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for index in 0..<(width * height) {
            (pixels[3 * index], pixels[3 * index + 1], pixels[3 * index + 2]) = colour
        }
        for y in 0..<picture.height {
            let target = ((y + top) * width + left) * 3
            pixels[target..<(target + picture.width * 3)] =
                picture.pixels[(y * picture.width * 3)..<((y + 1) * picture.width * 3)]
        }
        return Image(width: width, height: height, pixels: pixels)
    }

    @Test func closestDistanceComparesWholesAndWholesWithWindowsButNeverTwoWindows() {
        let first = WindowedEmbedding(whole: [0, 0], windows: [[10, 10], [4, 0]])
        let second = WindowedEmbedding(whole: [9, 0], windows: [[10, 10], [0, 3]])
        // Wholes 9 apart; first whole to second's windows 20 and 3; first's windows to second whole 11 and 5;
        // the identical windows [10, 10] (distance 0) must not count.
        #expect(WindowedEmbedding.closestDistance(first, second) == 3)
        #expect(WindowedEmbedding.closestDistance(second, first) == 3)
        let plain = WindowedEmbedding(whole: [0, 0], windows: [])
        #expect(WindowedEmbedding.closestDistance(plain, WindowedEmbedding(whole: [1, 2], windows: [])) == 3)
    }

    @Test func alignedWindowsAreComparedOnlyAtTheSamePlaceWithTheirPenalty() {
        // Wholes 20 apart, every whole-to-window distance at least 40; the windows at place 0 are 2 apart, those
        // at place 1 are 1 apart, and window 0 of one against window 1 of the other is 0 apart (never compared).
        let first = WindowedEmbedding(whole: [0, 0], windows: [[0, 40], [1, 40]])
        let second = WindowedEmbedding(whole: [20, 0], windows: [[0, 42], [0, 40]])
        #expect(WindowedEmbedding.closestDistance(first, second, windowPenalty: 1) == 20)
        #expect(WindowedEmbedding.closestDistance(first, second, windowPenalty: 1, alignedWindowPenalty: 1.5) == 2.5)
        #expect(WindowedEmbedding.closestDistance(second, first, windowPenalty: 1, alignedWindowPenalty: 1.5) == 2.5)
        // A penalty larger than the gain leaves the wholes in charge.
        #expect(WindowedEmbedding.closestDistance(first, second, windowPenalty: 1, alignedWindowPenalty: 19) == 20)
    }
}
