import Foundation
import ImageIO
import TestSupport
import Testing
import TwinModel

/// `twindup bench embed`, the measurement behind the goal "embedding costs no more than decoding a 4 MP JPEG at the
/// network's DCT scale": it must time what the shipped matching really runs on each photo.
@Suite("twindup bench embed")
struct BenchEmbedCommandTests {
    let baseline = TestData.path("jpeg/testorig.jpg")

    @Test("one row per photo with its frame kind, the shipped matching's passes and positive times")
    func measuresEachPhoto() throws {
        // The same photo saved as a progressive JPEG by libjpeg-turbo's cjpeg.
        let scratch = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let progressive = scratch.appendingPathComponent("progressive.jpg").path
        let saved = try ChildProcess.run(
            try ChildProcess.program(named: "cjpeg"),
            ["-progressive", "-quality", "90", "-outfile", progressive, TestData.path("jpeg/testorig.ppm")])
        #expect(saved.status == 0, "\(saved.standardError)")
        let result = try BuiltExecutable(named: "twindup").run([
            "bench", "embed", baseline, progressive, "--min-megapixels", "0", "--count", "2", "--repetitions", "1",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let detector = try TwinDetector(contentsOf: try #require(TwinDetector.defaultModelPath()))
        for (path, frame) in [(baseline, "baseline"), (progressive, "progressive")] {
            let name = URL(fileURLWithPath: path).lastPathComponent
            let row = try #require(result.outputLines.first { $0.hasPrefix(name + " ") }, "\(result.standardOutput)")
            let columns = row.split(separator: " ").map(String.init)
            #expect(columns[2] == frame, "\(row)")
            // The passes the scan runs on this picture: the whole and every window that needs its own pass.
            let image = try ImageDecoder().decode(fileAt: path, minimumShortSide: detector.minimumDecodeSide)
            let inputs = detector.matchingPreparation.inputs(of: image)
            #expect(columns[3] == "\(image.width)x\(image.height)", "\(row)")
            #expect(Int(columns[4]) == 1 + inputs.windows.compactMap { $0 }.count, "\(row)")
            let times = columns[5...].compactMap(Double.init)
            #expect(times.count == 5 && times.allSatisfy { $0 > 0 }, "\(row)")
        }
        #expect(result.outputLines.contains { $0.hasPrefix("all (2 photos): ") }, "\(result.standardOutput)")
    }

    @Test("a file that is not a JPEG is refused by name")
    func refusesOtherFiles() throws {
        let png = TestData.path("jpeg/monkey16.png")
        let result = try BuiltExecutable(named: "twindup").run(["bench", "embed", png])
        #expect(result.status != 0)
        #expect(result.standardError.contains("\(png): not a JPEG file"), "\(result.standardError)")
    }
}
