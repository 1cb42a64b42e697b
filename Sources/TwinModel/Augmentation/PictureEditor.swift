import Foundation
import ImageIO
import NeuralNet

/// Applies random instances of the edits users make (`EditKind`) to pictures, reproducibly from a seeded
/// `RandomSource`. Strengths are drawn from the ranges documented on each kind; sizes scale with the picture,
/// so an edit looks alike on a thumbnail and on a full photo.
public struct PictureEditor: Sendable {
    public init() {}

    /// `image` with one edit of `kind` applied.
    public func apply(_ kind: EditKind, to image: Image, random: inout RandomSource) -> Image {
        switch kind {
        case .rescale:
            let factor = uniform(0.15, 0.8, &random)
            return image.resized(
                width: max(16, Int(Float(image.width) * factor)), height: max(16, Int(Float(image.height) * factor)),
                filter: .areaAverage)
        case .jpeg:
            return recompressed(image, quality: 20 + random.nextInt(below: 76))
        case .crop:
            return crop(image, keptArea: uniform(0.7, 0.95, &random), random: &random)
        case .halfCrop:
            return crop(image, keptArea: uniform(0.5, 0.7, &random), random: &random)
        case .aspect:
            let stretch = exp(uniform(-log(1.5), log(1.5), &random))
            return random.nextUniform() < 0.5
                ? image.resized(
                    width: max(8, Int(Float(image.width) * stretch)), height: image.height, filter: .bilinear)
                : image.resized(
                    width: image.width, height: max(8, Int(Float(image.height) * stretch)), filter: .bilinear)
        case .border:
            return bordered(image, random: &random)
        case .colour:
            return colourAdjusted(image, random: &random)
        case .grayscale:
            var canvas = PixelCanvas(image)
            for index in 0..<(canvas.width * canvas.height) {
                let luma =
                    0.299 * canvas.samples[3 * index] + 0.587 * canvas.samples[3 * index + 1] + 0.114
                    * canvas.samples[3 * index + 2]
                canvas.samples[3 * index] = luma
                canvas.samples[3 * index + 1] = luma
                canvas.samples[3 * index + 2] = luma
            }
            return canvas.image
        case .blur:
            // 0.4–1.6 pixels of a 96-pixel view, scaled to this picture's size.
            let sigma = uniform(0.4, 1.6, &random) * Float(min(image.width, image.height)) / 96
            return PixelCanvas(image).blurred(sigma: max(0.3, sigma)).image
        case .noise:
            var canvas = PixelCanvas(image)
            let deviation = uniform(3, 18, &random)
            for index in canvas.samples.indices {
                canvas.samples[index] += random.nextNormal() * deviation
            }
            return canvas.image
        case .text:
            return TextOverlay.draw(on: image, random: &random)
        case .patch:
            return patched(image, random: &random)
        case .rotation:
            return rotated(image, degrees: uniform(-10, 10, &random), random: &random)
        case .mirror:
            return Image(width: image.width, height: image.height, pixels: image.mirrored().pixels)
        case .combined:
            let simple = EditKind.allCases.filter { $0 != .combined }
            var result = image
            for _ in 0..<(2 + random.nextInt(below: 3)) {
                result = apply(simple[random.nextInt(below: simple.count)], to: result, random: &random)
            }
            return result
        }
    }

    /// Re-saved as JPEG at `quality`; the picture is returned unchanged if libjpeg refuses it.
    func recompressed(_ image: Image, quality: Int) -> Image {
        guard let bytes = try? JPEGEncoder.encode(image, quality: quality) else { return image }
        var work = DecodeWork()
        let decoded = try? ImageDecoder().decode(bytes: bytes, path: "<re-encoded>", work: &work)
        return decoded.map { Image(width: $0.width, height: $0.height, pixels: $0.pixels) } ?? image
    }

    func crop(_ image: Image, keptArea: Float, random: inout RandomSource) -> Image {
        let aspect = exp(uniform(-log(1.33), log(1.33), &random))
        let width = min(image.width, max(8, Int(Float(image.width) * (keptArea * aspect).squareRoot())))
        let height = min(image.height, max(8, Int(Float(image.height) * (keptArea / aspect).squareRoot())))
        let left = random.nextInt(below: image.width - width + 1)
        let top = random.nextInt(below: image.height - height + 1)
        return PixelCanvas(image).cropped(x: left, y: top, width: width, height: height).image
    }

    func bordered(_ image: Image, random: inout RandomSource) -> Image {
        let fill = randomFill(&random)
        var left: Int
        var right: Int
        var top: Int
        var bottom: Int
        if random.nextUniform() < 0.5 {
            // A frame: 3–15% of the short side, the same on every side or drawn per side.
            let short = Float(min(image.width, image.height))
            let even = random.nextUniform() < 0.6
            let base = Int(short * uniform(0.03, 0.15, &random))
            func side(_ random: inout RandomSource) -> Int { even ? base : Int(short * uniform(0, 0.15, &random)) }
            left = side(&random)
            right = side(&random)
            top = side(&random)
            bottom = side(&random)
        } else {
            // Letterbox or pillarbox to another common aspect ratio.
            let targets: [Float] = [1, 4.0 / 3, 3.0 / 2, 16.0 / 9, 3.0 / 4, 9.0 / 16]
            let target = targets[random.nextInt(below: targets.count)]
            let current = Float(image.width) / Float(image.height)
            left = 0
            right = 0
            top = 0
            bottom = 0
            if target > current * 1.05 {
                let extra = Int(Float(image.height) * target) - image.width
                left = extra / 2
                right = extra - left
            } else if target < current / 1.05 {
                let extra = Int(Float(image.width) / target) - image.height
                top = extra / 2
                bottom = extra - top
            } else {
                let bar = Int(Float(image.height) * uniform(0.08, 0.2, &random))
                top = bar
                bottom = bar
            }
        }
        let width = image.width + left + right
        let height = image.height + top + bottom
        var canvas = PixelCanvas(width: width, height: height, fill: fill)
        let source = PixelCanvas(image)
        for y in 0..<image.height {
            let target = ((y + top) * width + left) * 3
            let row = y * image.width * 3
            canvas.samples[target..<(target + image.width * 3)] = source.samples[row..<(row + image.width * 3)]
        }
        return canvas.image
    }

    func colourAdjusted(_ image: Image, random: inout RandomSource) -> Image {
        var canvas = PixelCanvas(image)
        let brightness = uniform(-45, 45, &random)
        let contrast = exp(uniform(-log(1.6), log(1.6), &random))
        let gamma = exp(uniform(-log(1.8), log(1.8), &random))
        let saturation = random.nextUniform() < 0.2 ? uniform(0, 0.4, &random) : uniform(0.4, 1.8, &random)
        let hueAngle = random.nextUniform() < 0.6 ? uniform(-0.6, 0.6, &random) : 0
        let (hueCos, hueSin) = (cos(hueAngle), sin(hueAngle))
        for index in 0..<(canvas.width * canvas.height) {
            var red = canvas.samples[3 * index]
            var green = canvas.samples[3 * index + 1]
            var blue = canvas.samples[3 * index + 2]
            // Hue rotation and saturation in YIQ: luma stays, chroma turns and scales.
            let luma = 0.299 * red + 0.587 * green + 0.114 * blue
            let inPhase = 0.596 * red - 0.274 * green - 0.322 * blue
            let quadrature = 0.211 * red - 0.523 * green + 0.312 * blue
            let turnedI = (inPhase * hueCos - quadrature * hueSin) * saturation
            let turnedQ = (inPhase * hueSin + quadrature * hueCos) * saturation
            red = luma + 0.956 * turnedI + 0.621 * turnedQ
            green = luma - 0.272 * turnedI - 0.647 * turnedQ
            blue = luma - 1.106 * turnedI + 1.703 * turnedQ
            for (offset, value) in [red, green, blue].enumerated() {
                let contrasted = (value - 128) * contrast + 128 + brightness
                let normalised = min(max(contrasted / 255, 0), 1)
                canvas.samples[3 * index + offset] = 255 * pow(normalised, gamma)
            }
        }
        return canvas.image
    }

    func patched(_ image: Image, random: inout RandomSource) -> Image {
        var canvas = PixelCanvas(image)
        for _ in 0..<(1 + random.nextInt(below: 3)) {
            // Each patch covers 2–10% of the picture.
            let area = uniform(0.02, 0.10, &random) * Float(image.width * image.height)
            let aspect = exp(uniform(-log(3), log(3), &random))
            let width = max(2, min(image.width, Int((area * aspect).squareRoot())))
            let height = max(2, min(image.height, Int((area / aspect).squareRoot())))
            let left = random.nextInt(below: image.width - width + 1)
            let top = random.nextInt(below: image.height - height + 1)
            let colour = randomFill(&random)
            let opacity: Float = random.nextUniform() < 0.7 ? 1 : uniform(0.4, 0.8, &random)
            let round = random.nextUniform() < 0.4
            for y in top..<(top + height) {
                for x in left..<(left + width) {
                    if round {
                        let dx = (Float(x - left) + 0.5) / Float(width) - 0.5
                        let dy = (Float(y - top) + 0.5) / Float(height) - 0.5
                        if dx * dx + dy * dy > 0.25 { continue }
                    }
                    canvas.blend(x: x, y: y, colour: colour, opacity: opacity)
                }
            }
        }
        return canvas.image
    }

    func rotated(_ image: Image, degrees: Float, random: inout RandomSource) -> Image {
        let source = PixelCanvas(image)
        let angle = degrees * .pi / 180
        let (cosine, sine) = (cos(angle), sin(angle))
        let fill = randomFill(&random)
        var canvas = PixelCanvas(width: image.width, height: image.height, fill: fill)
        let centreX = Float(image.width) / 2
        let centreY = Float(image.height) / 2
        // Half the time zoom in until no corner shows, as phone editors do; otherwise fill the corners.
        let width = Float(image.width)
        let height = Float(image.height)
        let zoom: Float =
            random.nextUniform() < 0.5
            ? max(
                (width * abs(cosine) + height * abs(sine)) / width, (width * abs(sine) + height * abs(cosine)) / height)
            : 1
        for y in 0..<image.height {
            for x in 0..<image.width {
                let dx = (Float(x) + 0.5 - centreX) / zoom
                let dy = (Float(y) + 0.5 - centreY) / zoom
                let sourceX = cosine * dx + sine * dy + centreX
                let sourceY = -sine * dx + cosine * dy + centreY
                if let colour = source.sample(x: sourceX, y: sourceY) {
                    let index = (y * image.width + x) * 3
                    canvas.samples[index] = colour.0
                    canvas.samples[index + 1] = colour.1
                    canvas.samples[index + 2] = colour.2
                }
            }
        }
        return canvas.image
    }

    func randomFill(_ random: inout RandomSource) -> (Float, Float, Float) {
        switch random.nextInt(below: 4) {
        case 0: return (0, 0, 0)
        case 1: return (255, 255, 255)
        default:
            return (255 * random.nextUniform(), 255 * random.nextUniform(), 255 * random.nextUniform())
        }
    }
}

/// Uniform in [low, high).
func uniform(_ low: Float, _ high: Float, _ random: inout RandomSource) -> Float {
    low + (high - low) * random.nextUniform()
}
