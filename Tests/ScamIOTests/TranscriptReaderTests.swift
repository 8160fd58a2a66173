import ScamEngine
import Testing
@testable import ScamIO

/// Whisper JSON (OpenAI, WhisperX, whisper.cpp), SRT, WebVTT and Whisper TSV: the same call.
@Suite struct TranscriptReaderTests {
    static let start = Fixtures.ms("2025-03-06T10:15:00+08:00")

    static func options(_ o: inout ReaderOptions) {
        o.callStart = start
        o.speakerMap = ["SPEAKER_00": "来电", "SPEAKER_01": "李女士"]
    }

    @Test(arguments: [
        ("whisper/call-20250306-1015.json", InputFormat.whisper, [1, 1, 1, 1, 1, 1, 1, 1, 1], false),
        ("whisper/whisperx-call.json", .whisper, [3, 53, 103, 153, 203, 253, 303, 353, 403], true),
        ("whisper/whisper-cpp-call.json", .whisper, [31, 42, 53, 64, 75, 86, 97, 108, 119], false),
        ("whisper/call.srt", .srt, [3, 7, 11, 15, 19, 23, 27, 31, 35], true),
        ("whisper/call.vtt", .vtt, [8, 11, 14, 17, 20, 23, 26, 29, 32], true),
        ("whisper/call.tsv", .whisperTSV, [2, 3, 4, 5, 6, 7, 8, 9, 10], false),
    ])
    func oneCallPerFile(path: String, format: InputFormat, lines: [Int], speakers: Bool) {
        let out = Fixtures.fixture(path, Self.options)
        #expect(out.format == format)
        #expect(out.issues.isEmpty)
        #expect(out.lines == lines)
        #expect(Set(out.records.map(\.conversation)) == [Fixtures.path(path)])
        #expect(out.records.allSatisfy { $0.channel == "call" })
        #expect(out.records[2].text?.hasPrefix("我这边是支付宝平台客服") == true)
        #expect(out.records[2].time == Self.start + 5_600)
        #expect(out.records[7].time == Self.start + 33_300)
        if speakers {
            #expect(out.records.map(\.speaker) == ["来电", "李女士", "来电", "李女士", "来电", "李女士", "来电", "来电", "李女士"])
        }
        if format == .whisper, path.contains("1015") {
            #expect(out.records.map(\.id) == (0..<9).map(String.init))  // one line: ids tell segments apart
        }
    }

    @Test func withoutCallStartSegmentsHaveNoTime() {
        let out = Fixtures.fixture("whisper/call.srt")
        #expect(out.records.allSatisfy { $0.time == nil })
        #expect(out.records[0].speaker == "SPEAKER_00")
    }

    @Test func badTimesAreReportedWithTheirPositionAndStillScanned() {
        let out = Fixtures.fixture("whisper/overlapping.srt", Self.options)
        #expect(out.issues.map(\.kind) == [.badTiming, .badTiming, .badTiming, .badTiming])
        #expect(out.issues.map(\.source.line) == [7, 15, 19, 22])
        #expect(out.issues[0].message.contains("negative") && out.issues[0].skipped == false)
        #expect(out.issues[1].message.contains("before the previous segment") && out.issues[1].message.contains("00:00:13.840"))
        #expect(out.issues[2].message.contains("before it starts"))
        #expect(out.issues[3].skipped == true)  // no valid time line: the cue is skipped
        #expect(out.records.count == 6)
        #expect(out.records[1].time == nil && out.records[3].time == Self.start + 12_000)
    }

    @Test func subtitleTimes() {
        #expect(SubtitleReader.seconds("01:02:03,450") == 3723.45)
        #expect(SubtitleReader.seconds("02:03.5") == 123.5)
        #expect(SubtitleReader.seconds("-00:00:01,500") == -1.5)
        #expect(SubtitleReader.seconds("1:2:3:4") == nil)
        #expect(SubtitleReader.vttText("<v.loud 坐席>您好&amp;<b>再见</b></v>") == ("坐席", "您好&再见"))
    }

    @Test func whisperJSONSyntaxErrorKeepsEarlierSegments() throws {
        let json = "{\"segments\": [{\"id\": 0, \"start\": 0, \"end\": 1, \"text\": \"喂\"},\n{\"id\": 1, \"start\": 1, \"end\": 2, \"text\": \"您好\"}, {\"id\": 2, \"start\": 2"
        let out = try Fixtures.temporary(json, name: "call.json")
        #expect(out.texts == ["喂", "您好"])
        #expect(out.issues.map(\.kind) == [.truncated] && out.issues[0].source.line == 2)
    }

    @Test func transcriptLinesTakeCallStartAndSpeakerMap() throws {
        let out = try Fixtures.temporary("[00:00:05] SPEAKER_00：您好\n[00:01:00] 客户：嗯\n", name: "call.txt") { o in
            o.callStart = 1_000_000
            o.speakerMap = ["SPEAKER_00": "坐席"]
        }
        #expect(out.records.map(\.time) == [1_005_000, 1_060_000])
        #expect(out.records.map(\.speaker) == ["坐席", "客户"])
    }
}
