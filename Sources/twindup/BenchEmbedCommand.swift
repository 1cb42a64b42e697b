import ArgumentParser
import Foundation
import ImageIO
import NeuralNet
import TwinModel

/// The embedding cost of a picture against the cost of decoding it at the network's DCT scale, on the same
/// photos, in the same run, on one thread.
struct BenchEmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Measure a photo's embedding time against its decode at the network's DCT scale.",
        discussion: """
            Picks --count JPEG photos of --min-megapixels to --max-megapixels under the folders (a fixed \
            shuffle, so reruns pick the same), reads each into memory once, then times on one thread, interleaved, \
            --repetitions times each: decoding it from memory at the model's DCT scale (the smallest scale whose \
            short side still holds the model's decode side); embedding the decoded picture as the model matches \
            it (network inputs, every network pass of its window matching, its hash); and one network pass on the \
            whole picture alone (what a whole-picture model file costs). Reports each photo's medians and the \
            ratios to its decode, then the median ratio over the photos, baseline and progressive JPEGs apart.
            """
    )

    @Argument(help: "Folders of photos (for example those of Scripts/prepare-benchmark-photos.sh), or JPEG files.")
    var paths: [String]

    @Option(help: "How many photos.")
    var count = 24

    @Option(help: "Smallest photo, in megapixels.")
    var minMegapixels = 3.5

    @Option(help: "Largest photo, in megapixels.")
    var maxMegapixels = 4.5

    @Option(help: "Timed repetitions of each measurement; the median is reported.")
    var repetitions = 7

    @Option(help: "Model file (default: the shipped model).")
    var model: String?

    private struct Photo {
        let path: String
        let header: PictureSize.Header
        var megapixels: Double { Double(header.width * header.height) / 1e6 }
    }

    private struct Measured {
        let photo: Photo
        let decode: Double
        let embed: Double
        let whole: Double
    }

    func run() throws {
        let detector = try TwinDetector(contentsOf: try ModelLocation.resolve(model))
        let photos = try choosePhotos()
        let side = detector.minimumDecodeSide
        let decoder = ImageDecoder()
        let grid = detector.windowMatching?.grid
        let hashes = detector.windowMatching?.hashComparison != nil
        print(
            "twindup bench embed: \(photos.count) JPEG photos of \(minMegapixels)–\(maxMegapixels) MP, model "
                + "\(detector.modelID), \(BLASKernels.description), one thread, median of \(repetitions) "
                + "runs in ms; decode from memory at the DCT scale for a short side ≥ \(side)")
        print(
            "photo                                      MP  frame        decoded    passes  decode   embed   whole  embed/decode  whole/decode"
        )
        var results: [Measured] = []
        for photo in photos {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: photo.path)))
            var work = DecodeWork()
            let image = try decoder.decode(bytes: bytes, path: photo.path, minimumShortSide: side, work: &work)
            let inputs = detector.matchingPreparation.inputs(of: image)
            let passes = 1 + inputs.windows.compactMap { $0 }.count
            var decodeTimes: [Duration] = []
            var embedTimes: [Duration] = []
            var wholeTimes: [Duration] = []
            for _ in 0..<max(1, repetitions) {
                // Interleaved, so that a neighbour's load spike slows all three alike.
                decodeTimes.append(
                    try BenchTiming.time {
                        var work = DecodeWork()
                        _ = try decoder.decode(bytes: bytes, path: photo.path, minimumShortSide: side, work: &work)
                    })
                embedTimes.append(
                    try BenchTiming.time {
                        _ = try detector.windowedEmbeddings(of: [image], windows: grid, hashes: hashes, threads: 1)
                    }
                )
                wholeTimes.append(
                    try BenchTiming.time {
                        _ = try detector.windowedEmbeddings(of: [image], windows: nil, hashes: false, threads: 1)
                    })
            }
            let measured = Measured(
                photo: photo, decode: BenchTiming.medianMilliseconds(decodeTimes),
                embed: BenchTiming.medianMilliseconds(embedTimes), whole: BenchTiming.medianMilliseconds(wholeTimes))
            results.append(measured)
            print(
                BenchTiming.pad(URL(fileURLWithPath: photo.path).lastPathComponent, 40),
                BenchTiming.pad(String(format: "%.1f", photo.megapixels), 5, right: true),
                BenchTiming.pad(photo.header.progressive ? "progressive" : "baseline", 12, right: true),
                BenchTiming.pad("\(image.width)x\(image.height)", 10, right: true),
                BenchTiming.pad("\(passes)", 9, right: true),
                BenchTiming.pad(String(format: "%.2f", measured.decode), 7, right: true),
                BenchTiming.pad(String(format: "%.2f", measured.embed), 7, right: true),
                BenchTiming.pad(String(format: "%.2f", measured.whole), 7, right: true),
                BenchTiming.pad(String(format: "%.2f", measured.embed / measured.decode), 13, right: true),
                BenchTiming.pad(String(format: "%.2f", measured.whole / measured.decode), 13, right: true)
            )
        }
        for (label, group) in [
            ("all", results), ("baseline", results.filter { !$0.photo.header.progressive }),
            ("progressive", results.filter { $0.photo.header.progressive }),
        ] where !group.isEmpty {
            print(
                String(
                    format:
                        "%@ (%d photos): median decode %.2f ms, embed %.2f ms, whole only %.2f ms; median embed / "
                        + "decode %.2f (%.2f–%.2f), whole only / decode %.2f (%.2f–%.2f)",
                    label, group.count, middle(group.map(\.decode)), middle(group.map(\.embed)),
                    middle(group.map(\.whole)), middle(group.map { $0.embed / $0.decode }),
                    group.map { $0.embed / $0.decode }.min()!, group.map { $0.embed / $0.decode }.max()!,
                    middle(group.map { $0.whole / $0.decode }), group.map { $0.whole / $0.decode }.min()!,
                    group.map { $0.whole / $0.decode }.max()!))
        }
    }

    private func choosePhotos() throws -> [Photo] {
        var candidates: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("\(path) does not exist")
            }
            guard isDirectory.boolValue else {
                guard ["jpg", "jpeg"].contains((path as NSString).pathExtension.lowercased()) else {
                    throw ValidationError("\(path): not a JPEG file (.jpg or .jpeg)")
                }
                candidates.append(path)
                continue
            }
            candidates += try PictureSize.files(under: path, extensions: ["jpg", "jpeg"])
        }
        var chosen: [Photo] = []
        for path in PictureSize.shuffled(candidates) where chosen.count < count {
            guard let header = PictureSize.header(fileAt: path) else { continue }
            let photo = Photo(path: path, header: header)
            if photo.megapixels >= minMegapixels && photo.megapixels <= maxMegapixels { chosen.append(photo) }
        }
        guard !chosen.isEmpty else {
            throw ValidationError(
                "no JPEG photos of \(minMegapixels)–\(maxMegapixels) MP in \(paths.joined(separator: " "))")
        }
        return chosen
    }

    private func middle(_ values: [Double]) -> Double {
        BenchIndexCommand.percentile(values, 50)
    }
}
