extension IndexStore {
    /// Opens the existing index at `path` for a command that needs no embeddings (`twindup dismiss`,
    /// `train --feedback`): whatever model made it, without loading a model. A missing index is an error, never
    /// created.
    public convenience init(existingAt path: String) throws(IndexError) {
        guard let modelID = try Self.probe(path: path) else {
            throw IndexError(
                .io, path: path, cause: "there is no index here yet: run `twindup scan` (or `twindup watch`) first")
        }
        try self.init(path: path, modelID: modelID)
    }
}
