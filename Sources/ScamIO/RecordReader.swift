import Foundation
import ScamEngine

/// Reads one input (a file path, or `-` for stdin) into records, detecting its format.
///
/// Every problem becomes a `ReaderOutput.issue` with its position, and reading goes on: a bad
/// line never hides the lines after it. Memory is bounded by the detection head (64 KiB), one
/// chunk and the largest single record (`maxLineBytes`), never by the size of the input.
public struct RecordReader {
    public let path: String
    public let options: ReaderOptions
    /// The format used (known after `read` starts; nil when no format matched).
    public private(set) var format: InputFormat?
    public private(set) var bytesRead = 0

    public init(path: String, options: ReaderOptions) {
        self.path = path
        self.options = options
    }

    /// Reads everything, calling `sink` for each output; `sink` returns false to stop early
    /// (stdout closed, say).
    public mutating func read(_ sink: (ReaderOutput) -> Bool) {
        withoutActuallyEscaping(sink) { sink in
            var emit = Emitter(sink)
            read(&emit)
        }
    }

    /// `lines`, when given, takes the lines of the line formats unparsed (see `DeferredLine`).
    mutating func read(_ emit: inout Emitter, deferring lines: ((DeferredLine) -> Bool)? = nil) {
        let context = ReadContext(path: path, options: options)
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            emit(context.issue(.unreadable, line: 0, reason, hint: "check the path and its permissions"))
            return
        }
        var closed = false
        defer { if fd != 0 && !closed { close(fd) } }
        var isDirectory: ObjCBool = false
        if path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            emit(context.issue(.unreadable, line: 0, "a folder, not a file", hint: "pass the folder itself to scan to walk it"))
            return
        }
        let (source, head, failure) = ChunkSource.withHead(fd: fd, limit: FormatDetector.headSize)
        if let failure {
            bytesRead = head.count
            emit(context.issue(.unreadable, line: 0, String(cString: strerror(failure)), hint: "check the file and its permissions"))
            return
        }
        // Whatever the format (given or detected), its reader takes UTF-8: UTF-16 read as UTF-8
        // is an error on every line that never says why. The one binary format is exempt.
        if options.format != .imessage, let encoding = ForeignEncoding.detect(head) {
            bytesRead = source.bytesRead
            emit(context.issue(.notUTF8, line: 0, encoding.problem(file: context.file), hint: encoding.fix(file: context.file)))
            return
        }
        let detection = options.format.map(FormatDetection.format) ?? FormatDetector.detect(path: path, head: head, options: options)
        guard case .format(let format) = detection else {
            if case .unknown(let reason, let candidates) = detection {
                let names = candidates.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: ", ")
                emit(context.issue(.unknownFormat, line: 0, candidates.isEmpty ? reason : "\(reason); it could be: \(names)",
                                   hint: candidates.isEmpty ? "scamflow reads text exports and SQLite message databases (README, \"What it reads\")"
                                                            : "force one with --input-format"))
            }
            bytesRead = source.bytesRead
            return
        }
        self.format = format
        let limit = options.maxLineBytes
        switch format {
        case .jsonl, .text, .transcript:
            var lineReader = LineReader(source: source, maxLineBytes: limit)
            let reader = LineFormatReader(format: format, context: context)
            if let lines { reader.read(&lineReader, &emit, deferring: lines) } else { reader.read(&lineReader, &emit) }
            bytesRead = lineReader.bytesRead
        case .adb, .whatsapp, .srt, .vtt, .whisperTSV, .wechat, .csv:
            var lines = LineReader(source: source, maxLineBytes: limit)
            switch format {
            case .adb: ADBContentReader(context: context).read(&lines, &emit)
            case .whatsapp: WhatsAppReader(context: context, head: head).read(&lines, &emit)
            case .srt, .vtt: SubtitleReader(context: context, webVTT: format == .vtt).read(&lines, &emit)
            case .whisperTSV: WhisperTSVReader(context: context).read(&lines, &emit)
            case .wechat: WeChatCSVReader(context: context).read(&lines, &emit)
            default: MappedCSVReader(context: context).read(&lines, &emit)
            }
            bytesRead = lines.bytesRead
        case .smsBackup, .telegram, .whisper:
            var input = ByteInput(source: source)
            switch format {
            case .smsBackup: AndroidSMSBackupReader(context: context).read(&input, &emit)
            case .telegram: TelegramReader(context: context).read(&input, &emit)
            default: WhisperJSONReader(context: context).read(&input, &emit)
            }
            bytesRead = input.bytesRead
        case .imessage:
            if fd != 0 { close(fd); closed = true }
            bytesRead = IMessageReader(context: context).read(head: head, &emit)
        }
    }
}
