import ArgumentParser
import Foundation
import TwinModel

/// Where the training pictures are, as `train`, `calibrate` and `eval` take them.
struct TrainingDataOptions: ParsableArguments {
    @Option(help: "Folder of pictures the manifest's paths are relative to.")
    var data: String

    @Option(help: "The training-data manifest.")
    var manifest: String = "Models/training-manifest.tsv"

    @Option(help: "Folder caching decoded working pictures between runs.")
    var cache: String?

    /// `--cache`, else `cache` beside the pictures' folder.
    var cacheFolder: String { cache ?? (data as NSString).deletingLastPathComponent + "/cache" }

    /// The pictures of `split`, linked by the same-source links `sameSource` names (`SameSourceLinks.named`),
    /// decoded on `threads` threads through the cache; progress goes to standard error.
    func pictures(
        _ split: TrainingManifest.Split, sameSource: String?, threads: Int
    ) throws -> WorkingPictures {
        let loaded = try TrainingManifest(contentsOf: manifest)
        var run = TrainingRun(
            configuration: TrainingConfiguration(), manifest: loaded, imagesFolder: data, outputPath: "")
        run.sameSource = try SameSourceLinks.named(sameSource, manifest: loaded, manifestPath: manifest)
        run.configuration.threads = threads
        run.cacheFolder = cacheFolder
        return try run.loadPictures(split) { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
    }
}
