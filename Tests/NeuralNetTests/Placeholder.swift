import Testing
@testable import NeuralNet
