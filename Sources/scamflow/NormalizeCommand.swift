import ArgumentParser
import ScamEngine

/// `scamflow normalize`: show the text as rules see it (for writing patterns).
struct NormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Print text as patterns see it: NFKC, lowercase, simplified, separators between Han removed.",
        discussion: """
        With --phonetic, print the phonetic view instead: each Han character as its toneless pinyin \
        syllable, syllables and Latin words separated by single spaces, tone marks stripped \
        (百万保障 and 百万保账 both print "bai wan bao zhang").
        """
    )

    @Argument(help: "Text to normalize; reads stdin lines when absent.")
    var text: [String] = []

    @Flag(help: "Print the phonetic view (pinyin for Han characters) of the normalized text.")
    var phonetic = false

    func run() throws {
        let normalizer = Normalizer()
        let console = Console.shared
        func show(_ s: String) {
            let bytes = phonetic ? normalizer.phonetic(s).subject.bytes : normalizer.normalize(s).subject.bytes
            console.out(String(decoding: bytes, as: UTF8.self) + "\n")
        }
        if text.isEmpty {
            while let line = readLine(strippingNewline: true) { show(line) }
        } else {
            show(text.joined(separator: " "))
        }
        console.flush()
    }
}
