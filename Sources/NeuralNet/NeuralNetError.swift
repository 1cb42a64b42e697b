/// Every failure the engine reports. Messages name the layer or tensor involved, because a user loading weights
/// or wiring a network needs to know which one is wrong.
public enum NeuralNetError: Error, Equatable, CustomStringConvertible {
    case shapeMismatch(context: String, expected: String, actual: [Int])
    case invalidArgument(String)
    case missingTensor(name: String)
    case unexpectedTensor(name: String)
    case tensorShapeMismatch(name: String, expected: [Int], actual: [Int])
    case corruptSafeTensors(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let context, let expected, let actual):
            "\(context): expected input of shape \(expected), got \(actual)"
        case .invalidArgument(let message):
            message
        case .missingTensor(let name):
            "weights file has no tensor named '\(name)', which the architecture needs"
        case .unexpectedTensor(let name):
            "weights file has a tensor named '\(name)' that the architecture does not have"
        case .tensorShapeMismatch(let name, let expected, let actual):
            "tensor '\(name)' has shape \(actual) in the weights file, but the architecture needs \(expected)"
        case .corruptSafeTensors(let message):
            "not a valid safetensors file: \(message)"
        }
    }
}
