/// A dense Float32 tensor, stored contiguously in row-major order.
///
/// Images and feature maps use NCHW: `shape == [batch, channels, height, width]` and the element at
/// `(n, c, y, x)` lives at `((n * channels + c) * height + y) * width + x`. Vectors per sample use `[batch, features]`.
public struct Tensor: Sendable, Equatable {
    public let shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) throws(NeuralNetError) {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw .invalidArgument("tensor shape \(shape) has a negative dimension")
        }
        let count = shape.reduce(1, *)
        guard count == scalars.count else {
            throw .invalidArgument("tensor of shape \(shape) needs \(count) values, got \(scalars.count)")
        }
        self.shape = shape
        self.scalars = scalars
    }

    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "tensor shape \(shape) has a negative dimension")
        self.shape = shape
        self.scalars = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// A tensor with unspecified values, for an output that its layer overwrites in full before anyone reads it:
    /// filling it with zeros first would cost a pass over memory for nothing.
    init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "tensor shape \(shape) has a negative dimension")
        let count = shape.reduce(1, *)
        self.shape = shape
        self.scalars = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(zeros: shape)
        for index in scalars.indices { scalars[index] = value }
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The same values under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws(NeuralNetError) -> Tensor {
        try Tensor(shape: newShape, scalars: scalars)
    }

    /// Checks the rank and, where `expected` is not nil, each dimension; names `context` in the error.
    func requireShape(_ expected: [Int?], _ context: @autoclosure () -> String) throws(NeuralNetError) {
        _ = try Tensor.checkShape(shape, expected, context())
    }

    /// Returns `shape` when it has `expected`'s rank and agrees wherever `expected` is not nil.
    static func checkShape(
        _ shape: [Int], _ expected: [Int?], _ context: @autoclosure () -> String
    )
        throws(NeuralNetError) -> [Int]
    {
        let matches =
            shape.count == expected.count
            && zip(shape, expected).allSatisfy { actual, wanted in wanted == nil || wanted == actual }
        if !matches {
            let pattern = "[" + expected.map { $0.map(String.init) ?? "_" }.joined(separator: ", ") + "]"
            throw .shapeMismatch(context: context(), expected: pattern, actual: shape)
        }
        return shape
    }

    /// Samples `shape.first` rows along the batch axis.
    public func batchSlice(_ range: Range<Int>) -> Tensor {
        let perSample = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = range.count
        return try! Tensor(
            shape: newShape, scalars: Array(scalars[(range.lowerBound * perSample)..<(range.upperBound * perSample)]))
    }

    /// Joins tensors along the batch axis; all must agree on the other dimensions.
    public static func concatenateBatch(_ parts: [Tensor]) throws(NeuralNetError) -> Tensor {
        guard let first = parts.first else { throw .invalidArgument("nothing to concatenate") }
        var values: [Float] = []
        var batch = 0
        for part in parts {
            guard part.shape.dropFirst().elementsEqual(first.shape.dropFirst()) else {
                throw .shapeMismatch(
                    context: "batch concatenation", expected: "\(first.shape.dropFirst())", actual: part.shape)
            }
            values += part.scalars
            batch += part.shape[0]
        }
        return try Tensor(shape: [batch] + first.shape.dropFirst(), scalars: values)
    }
}
