import Foundation
import Testing

/// Input as it really arrives at `scamflow stream`: cut anywhere by the pipe (in the middle of
/// a line, of a UTF-8 character, of a CRLF), with Windows line ends, a byte-order mark in
/// front, no newline after the last line. Every shape must give the alerts of the plain LF
/// input, and no bad line.
@Suite struct StreamInputTests {
    static let lines = [
        #"{"subject":"s1","channel":"call","text":"我是银行客服"}"#,
        #"{"subject":"s2","channel":"sms","text":"请把验证码念给我"}"#,
        #"{"subject":"s1","channel":"call","text":"请把验证码念给我"}"#,
        #"{"subject":"s3","channel":"chat","text":"今天天气不错"}"#,
    ]

    /// Runs `stream` on `pieces`, written one at a time with a pause between them, so the stream
    /// reads each cut as it comes. Returns the alert ids, the status and stderr.
    func stream(_ pieces: [[UInt8]]) throws -> (ids: [String], status: Int32, stderr: String) {
        let stream = try StreamProcess()
        for piece in pieces {
            stream.write(piece)
            Thread.sleep(forTimeInterval: 0.05)
        }
        stream.closeInput()
        #expect(stream.finish(), "the stream did not end")
        return (try stream.alertIDs(), stream.process.terminationStatus, stream.stderr)
    }

    /// `bytes` cut at each of `offsets`.
    static func cut(_ bytes: [UInt8], at offsets: [Int]) -> [[UInt8]] {
        var pieces: [[UInt8]] = [], start = 0
        for offset in offsets.sorted() where offset > start && offset < bytes.count {
            pieces.append(Array(bytes[start..<offset]))
            start = offset
        }
        return pieces + [Array(bytes[start...])]
    }

    @Test func cutsCRLFAByteOrderMarkAndNoFinalNewlineGiveTheSameAlerts() throws {
        let lf = Array((StreamInputTests.lines.joined(separator: "\n") + "\n").utf8)
        let clean = try stream([lf])
        #expect(clean.status == 0 && clean.ids.count >= 3 && !clean.stderr.contains("bad line") || clean.stderr.contains("0 bad lines"), "\(clean.stderr)")

        let crlf = Array(StreamInputTests.lines.joined(separator: "\r\n").utf8) + [0x0D, 0x0A]
        let first = StreamInputTests.lines[0].utf8.count
        let shapes: [(String, [[UInt8]])] = [
            // Cut inside a line, inside 银 (3 bytes), and between CR and LF.
            ("cut mid-line and mid-character", StreamInputTests.cut(lf, at: [5, first - 20, first - 19, first + 3])),
            ("CRLF, cut between CR and LF", StreamInputTests.cut(crlf, at: [first + 1, first + 30])),
            ("a byte-order mark, cut inside it", StreamInputTests.cut(ByteOrderMarkBytes.utf8 + lf, at: [1, 2, 40])),
            ("no final newline", [Array(lf.dropLast())]),
            ("all of them", StreamInputTests.cut(ByteOrderMarkBytes.utf8 + crlf.dropLast(2), at: [2, first + 4, first + 5])),
        ]
        for (name, pieces) in shapes {
            let r = try stream(pieces)
            #expect(r.status == 0 && r.ids == clean.ids, "\(name): \(r.ids.count) alerts against \(clean.ids.count): \(r.stderr)")
            #expect(r.stderr.contains("0 bad lines"), "\(name): \(r.stderr)")
        }
    }

    /// scan reads a file of the same shapes as its LF twin.
    @Test func scanReadsAByteOrderMarkCRLFAndNoFinalNewline() throws {
        let text = StreamInputTests.lines.joined(separator: "\r\n")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scamflow-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(ByteOrderMarkBytes.utf8 + Array(text.utf8)).write(to: dir.appendingPathComponent("in.jsonl"))
        try Data((StreamInputTests.lines.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("lf.jsonl"))
        let odd = try CLIRunner.run(["scan", "--format", "ndjson", "in.jsonl"], in: dir)
        let plain = try CLIRunner.run(["scan", "--format", "ndjson", "lf.jsonl"], in: dir)
        #expect(odd.status == 1 && !odd.stderr.contains("malformed"), "\(odd.stderr)")
        // Ids hash the file name too: compared without them.
        func shown(_ stdout: String, _ file: String) -> String {
            stdout.replacingOccurrences(of: file, with: "FILE")
                .replacingOccurrences(of: #""(alert|attempt)_id":"[0-9a-f]+",?"#, with: "", options: .regularExpression)
        }
        #expect(!plain.stdout.isEmpty && shown(odd.stdout, "in.jsonl") == shown(plain.stdout, "lf.jsonl"))
    }
}

/// The UTF-8 byte-order mark, as the tests write it.
enum ByteOrderMarkBytes {
    static let utf8: [UInt8] = [0xEF, 0xBB, 0xBF]
}
