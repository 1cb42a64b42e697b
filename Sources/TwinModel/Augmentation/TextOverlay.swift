import ImageIO
import NeuralNet

/// Draws captions, watermarks and date stamps with `BitmapFont`.
enum TextOverlay {
    static func draw(on image: Image, random: inout RandomSource) -> Image {
        var canvas = PixelCanvas(image)
        for _ in 0..<(1 + random.nextInt(below: 3)) {
            let length = 3 + random.nextInt(below: 14)
            let text = (0..<length).map { _ in
                random.nextUniform() < 0.15
                    ? Character(" ") : BitmapFont.characters[random.nextInt(below: BitmapFont.characters.count)]
            }
            // Glyphs 4–12% of the picture's height, but the line must fit its width.
            let targetHeight = uniform(0.04, 0.12, &random) * Float(image.height)
            let widthLimit = Float(image.width) * 0.95 / Float(length * (BitmapFont.glyphWidth + 1))
            let scale = max(1, Int(min(targetHeight / Float(BitmapFont.glyphHeight), widthLimit)))
            let lineWidth = length * (BitmapFont.glyphWidth + 1) * scale
            let lineHeight = BitmapFont.glyphHeight * scale
            let left = random.nextInt(below: max(1, image.width - lineWidth))
            // Captions cluster at the bottom and top; watermarks anywhere.
            let top: Int
            switch random.nextInt(below: 3) {
            case 0: top = max(0, image.height - lineHeight - Int(Float(image.height) * uniform(0.02, 0.1, &random)))
            case 1: top = Int(Float(image.height) * uniform(0.02, 0.1, &random))
            default: top = random.nextInt(below: max(1, image.height - lineHeight))
            }
            let colour: (Float, Float, Float) =
                random.nextUniform() < 0.7
                ? (random.nextUniform() < 0.5 ? (255, 255, 255) : (0, 0, 0))
                : (255 * random.nextUniform(), 255 * random.nextUniform(), 255 * random.nextUniform())
            let opacity: Float = random.nextUniform() < 0.7 ? 1 : uniform(0.35, 0.8, &random)
            let shadow = random.nextUniform() < 0.4
            for (position, character) in text.enumerated() {
                let rows = BitmapFont.rows(of: character)
                let glyphLeft = left + position * (BitmapFont.glyphWidth + 1) * scale
                for (row, bits) in rows.enumerated() {
                    for column in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(column)) != 0 {
                        for dy in 0..<scale {
                            for dx in 0..<scale {
                                let x = glyphLeft + column * scale + dx
                                let y = top + row * scale + dy
                                if shadow {
                                    let offset = max(1, scale / 3)
                                    let shade: (Float, Float, Float) =
                                        colour.0 + colour.1 + colour.2 > 382 ? (0, 0, 0) : (255, 255, 255)
                                    canvas.blend(x: x + offset, y: y + offset, colour: shade, opacity: opacity * 0.7)
                                }
                                canvas.blend(x: x, y: y, colour: colour, opacity: opacity)
                            }
                        }
                    }
                }
            }
        }
        return canvas.image
    }
}
