import ArgumentParser
import DuplicateIndex
import Foundation

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "List the indexed pictures nearest to one picture, with the probability that each is a duplicate.",
        discussion: """
            Example:
              twindup query holiday.jpg --k 3
              0.998  /srv/photos/holiday-small.jpg
              0.412  /srv/photos/beach.jpg
              0.031  /srv/photos/boat.png
            """
    )

    @Argument(help: "The picture (PNG or JPEG).")
    var file: String

    @Option(help: "How many neighbours.")
    var k: Int = 10

    @OptionGroup var indexOptions: IndexOptions

    func validate() throws {
        if k < 1 { throw ValidationError("--k must be at least 1") }
    }

    func run() async throws {
        let index = try IndexLocation.open(index: indexOptions.index, model: indexOptions.model)
        for neighbor in try index.nearest(k, toFileAt: file) {
            print(ProbabilityText.format(neighbor.probability) + "  " + neighbor.path.description)
        }
    }
}
