import ArgumentParser
import ScamEngine

/// `scamflow normalize`: show the text as rules see it (for writing patterns).
struct NormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Print text as patterns see it: NFKC, lowercase, simplified, separators between Han removed."
    )

    @Argument(help: "Text to normalize; reads stdin lines when absent.")
    var text: [String] = []

    func run() throws {
        let normalizer = Normalizer()
        let console = Console.shared
        func show(_ s: String) { console.out(String(decoding: normalizer.normalize(s).subject.bytes, as: UTF8.self) + "\n") }
        if text.isEmpty {
            while let line = readLine(strippingNewline: true) { show(line) }
        } else {
            show(text.joined(separator: " "))
        }
        console.flush()
    }
}
