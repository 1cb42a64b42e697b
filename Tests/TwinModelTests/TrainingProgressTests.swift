import Foundation
import NeuralNet
import TestSupport
import Testing

@testable import TwinModel

/// What `twindup train` prints as it goes, across a stop and `--resume`.
@Suite struct TrainingProgressTests {
    /// A run stopped at a checkpoint and resumed prints the same smoothed loss as the run that went on: the
    /// smoothed loss travels in the checkpoint with the training state, instead of starting again from the first
    /// loss after the resume.
    @Test func theSmoothedLossGoesOnAfterResumeAsWithoutAStop() throws {
        let folder = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (images, manifestPath) = try TestData.trainingFolder(in: folder)
        let manifest = try TrainingManifest(contentsOf: manifestPath)
        var configuration = TrainingConfiguration()
        configuration.seed = 3
        configuration.batchSources = 4
        configuration.steps = 20
        configuration.warmupSteps = 2
        configuration.threads = 1
        configuration.checkpointEvery = 10
        configuration.validateEvery = 1000
        configuration.mineEvery = 1000
        configuration.validationPictures = 3
        configuration.inputSide = 32
        func trainingRun(_ name: String, resume: Bool) throws -> TrainingRun {
            let output = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            var run = TrainingRun(
                configuration: configuration, manifest: manifest, imagesFolder: images.path,
                outputPath: output.appendingPathComponent("model.safetensors").path)
            run.windows = nil
            run.resume = resume
            return run
        }

        let uninterrupted = try trainingRun("uninterrupted", resume: false)
        var uninterruptedLines: [String] = []
        var stepTenCheckpoint: Data?
        try uninterrupted.run { line in
            uninterruptedLines.append(line)
            // A step's progress line comes before its checkpoint is written: at step 20 the file holds step 10.
            if line.hasPrefix("step 20/20 ") {
                stepTenCheckpoint = FileManager.default.contents(atPath: uninterrupted.checkpointPath)
            }
        }
        let saved = try SafeTensors(decoding: [UInt8](try #require(stepTenCheckpoint)))
        #expect(saved.metadata["step"] == "10")
        #expect(
            saved.metadata[TrainingRun.smoothedLossKey].flatMap(Float.init) != nil, "\(saved.metadata.keys.sorted())")

        let resumed = try trainingRun("resumed", resume: true)
        try #require(stepTenCheckpoint).write(to: URL(fileURLWithPath: resumed.checkpointPath))
        var resumedLines: [String] = []
        try resumed.run { resumedLines.append($0) }
        #expect(resumedLines.contains { $0.hasPrefix("resumed from") && $0.hasSuffix("at step 10") }, "\(resumedLines)")

        /// The "loss …" field of the progress line of `step`.
        func loss(at step: Int, in lines: [String]) throws -> String {
            let line = try #require(lines.first { $0.hasPrefix("step \(step)/20 ") }, "no line for step \(step)")
            let fields = line.split(separator: " ")
            let position = try #require(fields.firstIndex(of: "loss"))
            return String(fields[position + 1])
        }
        let expected = try loss(at: 20, in: uninterruptedLines)
        let actual = try loss(at: 20, in: resumedLines)
        #expect(actual == expected, "step 20: smoothed loss \(actual) after resuming, \(expected) without a stop")
    }
}
