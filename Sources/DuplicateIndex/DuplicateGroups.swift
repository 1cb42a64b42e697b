/// Groups of files linked by findings, directly or through others (union–find with path compression).
public enum DuplicateGroups {
    /// The connected groups of the pairs, each sorted by path, groups sorted by their first path.
    public static func groups(linking pairs: [(RawPath, RawPath)]) -> [[RawPath]] {
        var parent: [RawPath: RawPath] = [:]
        func root(_ path: RawPath) -> RawPath {
            var current = path
            while let next = parent[current], next != current { current = next }
            var walker = path
            while let next = parent[walker], next != current {
                parent[walker] = current
                walker = next
            }
            return current
        }
        for (first, second) in pairs {
            if parent[first] == nil { parent[first] = first }
            if parent[second] == nil { parent[second] = second }
            let (a, b) = (root(first), root(second))
            if a != b { parent[max(a, b)] = min(a, b) }
        }
        var members: [RawPath: [RawPath]] = [:]
        for path in parent.keys { members[root(path), default: []].append(path) }
        return members.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }
    }
}
