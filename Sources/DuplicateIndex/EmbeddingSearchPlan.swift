import TwinModel

/// The embedding searches one picture's comparisons make, matrix by matrix, each with what it adds to the distances
/// it finds: the picture's whole against the stored wholes; through windows (plus the window penalty), each of its
/// windows against the wholes and its whole against the windows of every place; with an aligned penalty, each of its
/// windows against the stored windows at its own place (never at another place). A content window that repeats the
/// picture's whole is not searched: every comparison through it is matched, at a smaller penalty, by the same
/// comparison through the whole. `ImageIndex.embeddingMatches` runs the plan as range searches and
/// `ImageIndex.embeddingNearest` as k-nearest searches, so the two cannot drift apart.
struct EmbeddingSearchPlan {
    struct Search {
        let query: [Float]
        /// The comparison's penalty, added to every distance the search finds.
        let addition: Float
    }

    /// The searches of the wholes matrix.
    let againstWholes: [Search]
    /// The searches of each place's window matrix, by place.
    let againstWindows: [[Search]]

    /// The plan for `picture` against an index with `places` window matrices. With `radius` (a range search), the
    /// comparisons whose penalty alone passes it are left out; without (nearest neighbours), all are made.
    init(
        for picture: WindowedEmbedding, places: Int, penalty: Float, alignedPenalty: Float?, contentPlace: Int?,
        within radius: Float?
    ) {
        let reaches = { (addition: Float) in radius.map { $0 >= addition } ?? true }
        let throughWindows = reaches(penalty)
        let aligned = alignedPenalty.flatMap { reaches($0) && picture.windows.count == places ? $0 : nil }
        let repeatsWhole = { (place: Int) in
            ImageIndex.repeatsWhole(picture.windows[place], picture.whole, place: place, contentPlace: contentPlace)
        }
        var againstWholes = [Search(query: picture.whole, addition: 0)]
        if throughWindows {
            againstWholes += picture.windows.indices.filter { !repeatsWhole($0) }.map {
                Search(query: picture.windows[$0], addition: penalty)
            }
        }
        self.againstWholes = againstWholes
        againstWindows = (0..<places).map { place in
            var searches: [Search] = []
            if throughWindows { searches.append(Search(query: picture.whole, addition: penalty)) }
            if let aligned, !repeatsWhole(place) {
                searches.append(Search(query: picture.windows[place], addition: aligned))
            }
            return searches
        }
    }

    /// Runs the plan, one call of `search` per matrix with all of that matrix's searches (it returns what each
    /// found, in order), and keeps each file at its closest distance plus the search's addition; nearest first,
    /// ties by id.
    func closest(
        wholes: EmbeddingMatrix, windows: [EmbeddingMatrix], search: (EmbeddingMatrix, [Search]) -> [[Neighbor]]
    ) -> [Neighbor] {
        precondition(windows.count == againstWindows.count, "the plan was made for \(againstWindows.count) places")
        var closest = ClosestPerFile()
        let matrices = [(wholes, againstWholes)] + zip(windows, againstWindows).map { ($0, $1) }
        for (matrix, searches) in matrices where matrix.count > 0 && !searches.isEmpty {
            for (made, found) in zip(searches, search(matrix, searches)) { closest.take(found, adding: made.addition) }
        }
        return closest.neighbors
    }
}

/// The searches of one picture merged: each file once, at the smallest distance any search found it at.
struct ClosestPerFile {
    private var distances: [Int64: Float] = [:]

    /// Adds `found`, each distance plus `penalty` (a search through windows).
    mutating func take(_ found: [Neighbor], adding penalty: Float = 0) {
        for neighbor in found {
            distances[neighbor.id] = min(distances[neighbor.id] ?? .infinity, neighbor.distance + penalty)
        }
    }

    /// Nearest first, ties by id.
    var neighbors: [Neighbor] {
        distances.map { Neighbor(id: $0.key, distance: $0.value) }.sorted(by: Neighbor.precedes)
    }
}
