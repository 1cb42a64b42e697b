import ArgumentParser
import DuplicateIndex
import Foundation
import TwinModel

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Write a self-contained HTML page of the index's duplicate pairs and groups for a person to review.",
        discussion: """
            The page holds every exact and near duplicate pair still in the index (both files indexed), with \
            thumbnails of both pictures as they are on disk now, the probability, paths, sizes and dates, in a \
            table sortable by clicking its headers; then the groups of pictures the pairs link. It needs no other \
            file and no network: open it in any browser, or copy it elsewhere.

            Example:
              twindup review --html ~/duplicates.html --since 7d
            """
    )

    @Option(help: ArgumentHelp("Write the page to this file (replaced whole).", valueName: "file"))
    var html: String

    @Option(
        help: ArgumentHelp(
            "Only pairs found since then: an ISO-8601 date or date-time (2026-11-28, 2026-11-28T10:00:00Z; local "
                + "time without a zone) or a duration back from now (90m, 24h, 7d, 2w).",
            valueName: "when"))
    var since: SinceOption?

    @Option(help: "Threads decoding thumbnails (default: all cores).")
    var workers: Int?

    @OptionGroup var indexOptions: IndexOptions

    /// The longer side of a thumbnail, in pixels.
    static let thumbnailSide = 240

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
    }

    func run() async throws {
        let now = Date()
        // The store alone: the page needs no embeddings, so a large index's search matrix is never loaded. The
        // model still names which embeddings the index must hold, as for every index command.
        let indexPath = try IndexLocation.resolve(indexOptions.index)
        guard FileManager.default.fileExists(atPath: indexPath) else {
            throw ValidationError("no index at \(indexPath): run `twindup scan` first (or pass --index FILE)")
        }
        let detector = try TwinDetector(contentsOf: try ModelLocation.resolve(indexOptions.model))
        let store = try IndexStore(path: indexPath, modelID: detector.modelID)
        let pairs = try store.reviewPairs(foundSince: since?.date(now: now))
        let thumbnails = ReviewThumbnail.make(
            of: pairs.flatMap { [$0.file.path, $0.match.path] }, longSide: Self.thumbnailSide,
            threads: workers ?? ProcessInfoCores.active)
        let page = ReviewPage(
            pairs: pairs, thumbnails: thumbnails,
            context: ReviewPage.Context(
                indexPath: store.path, modelID: store.modelID, generatedAt: now,
                since: since.map { ($0.text, $0.date(now: now)) }))
        do {
            try Data(page.html().utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
        } catch {
            throw ValidationError("cannot write \(html): \(error.localizedDescription)")
        }
        let exact = pairs.filter { $0.kind == .exactDuplicate }.count
        let missing = thumbnails.values.filter { if case .unavailable = $0 { true } else { false } }.count
        print(
            "wrote \(pairs.count) pair\(pairs.count == 1 ? "" : "s") (\(exact) exact, \(pairs.count - exact) near) "
                + "in \(page.groups.count) group\(page.groups.count == 1 ? "" : "s") to \(html)"
                + (missing > 0 ? "; \(missing) file\(missing == 1 ? "" : "s") could not be shown" : ""))
    }
}
