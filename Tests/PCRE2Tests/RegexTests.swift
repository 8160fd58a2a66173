import Testing
@testable import PCRE2

@Suite struct RegexTests {
    @Test func compileErrorCarriesCodeAndByteOffset() {
        #expect(throws: PCRE2Error.self) { try Regex("(保密局|银监会") }
        do {
            _ = try Regex("(保密局|银监会")
        } catch {
            #expect(error.kind == .compile)
            #expect(error.code == 114)
            #expect(error.offset == 20, "offsets are in bytes: 1 + 3*3 + 1 + 3*3")
            #expect(error.message.contains("missing closing parenthesis"))
        }
    }

    @Test func matchOffsetsAreUTF8Bytes() throws {
        let regex = try Regex("验证码")
        let matcher = Matcher()
        let range = try matcher.firstMatch(regex, in: Subject("请把验证码告诉我"))
        #expect(range == 6..<15)
    }

    @Test func unicodePropertiesAndDotAreCharacters() throws {
        // UTF + UCP: `.` is one character, \p{Han} works, \w covers Han.
        let matcher = Matcher()
        #expect(try matcher.firstMatch(Regex("^.{3}$"), in: Subject("免密付")) != nil)
        #expect(try matcher.firstMatch(Regex("\\p{Han}+"), in: Subject("abc中文")) == 3..<9)
        #expect(try matcher.firstMatch(Regex("^\\w+$"), in: Subject("验证码abc")) != nil)
    }

    @Test func noMatchIsNil() throws {
        #expect(try Matcher().firstMatch(Regex("保密局"), in: Subject("你好")) == nil)
    }

    @Test func emptySubjectAndFromPastEnd() throws {
        let matcher = Matcher()
        #expect(try matcher.firstMatch(Regex("^$"), in: Subject("")) == 0..<0)
        #expect(try matcher.firstMatch(Regex("a"), in: Subject("a"), from: 5) == nil)
    }

    @Test func catastrophicBacktrackingHitsTheMatchLimit() throws {
        let regex = try Regex("(a+)+$")
        let matcher = Matcher(limits: .init(matchLimit: 100_000))
        let subject = Subject(String(repeating: "a", count: 36) + "!")
        do {
            _ = try matcher.firstMatch(regex, in: subject)
            Issue.record("expected the match limit to stop the match")
        } catch {
            #expect(error.kind == .matchLimit)
            #expect(error.code == -47)
        }
    }

    @Test func longRepetitiveSubjectsDoNotExhaustTheJITStack() throws {
        // The default 32 KiB JIT stack fails on this; the matcher assigns a larger one.
        let regex = try Regex("(?:a|b)*c")
        let subject = Subject(String(repeating: "ab", count: 50_000) + "c")
        #expect(try Matcher().firstMatch(regex, in: subject) == 0..<100_001)
    }

    @Test func invalidUTF8IsAnErrorWithOffsetNotACrash() throws {
        let regex = try Regex("x")
        let bytes: [UInt8] = [0x61, 0x62, 0xE9, 0x80, 0x63]  // truncated 3-byte sequence at 2
        let error: PCRE2Error? = bytes.withUnsafeBufferPointer { buffer -> PCRE2Error? in
            do {
                _ = try Matcher().firstMatch(regex, inUnchecked: buffer)
                return nil
            } catch {
                return error as? PCRE2Error
            }
        }
        #expect(error?.kind == .invalidUTF8)
        #expect(error?.offset == 2)
        #expect(throws: PCRE2Error.self) { try Subject(validating: bytes) }
    }

    @Test(arguments: [
        ([0x61, 0x62], nil),
        ([0xC3, 0xA9], nil),                 // é
        ([0xE4, 0xBD, 0xA0], nil),           // 你
        ([0xF0, 0x9F, 0x98, 0x80], nil),     // emoji
        ([0x80], 0),                         // lone continuation
        ([0x61, 0xC3], 1),                   // truncated at end
        ([0xC0, 0xAF], 0),                   // overlong
        ([0xED, 0xA0, 0x80], 0),             // surrogate
        ([0xF4, 0x90, 0x80, 0x80], 0),       // above U+10FFFF
        ([0x61, 0xE4, 0xBD, 0x61], 1),       // bad continuation
        ([0xFF], 0),
    ] as [([UInt8], Int?)])
    func utf8ValidationFindsTheFirstBadByte(bytes: [UInt8], expected: Int?) {
        #expect(Subject.firstInvalidUTF8(bytes) == expected)
        #expect((String(validating: bytes, as: UTF8.self) == nil) == (expected != nil))
    }

    @Test func forEachMatchSteppingOverEmptyMatches() throws {
        var ranges: [Range<Int>] = []
        try Matcher().forEachMatch(Regex("码?"), in: Subject("a码b")) { ranges.append($0); return true }
        #expect(ranges == [0..<0, 1..<4, 4..<4, 5..<5])
    }

    @Test func regexIsSharedAcrossThreads() async throws {
        let regex = try Regex("验证码.{0,5}?告诉我")
        let subject = Subject("请把验证码告诉我")
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let matcher = Matcher()
                    return (0..<200).allSatisfy { _ in (try? matcher.firstMatch(regex, in: subject)) == 6..<24 }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    @Test func deferredJITMatchesAsEagerAndCompilesOnceAcrossThreads() async throws {
        let pattern = #"(?:免密|password-free)\s*(?:支付|payment).{0,20}?(?:关闭|close)"#
        let eager = try Regex(pattern)
        let texts = ["开通了免密支付，请立即关闭", "password-free payment: please close it now", "nothing here", ""]
        let matcher = Matcher()
        // Many threads reach the first match of one deferred pattern at once.
        let lazy = try Regex(pattern, jit: .onFirstMatch)
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let own = Matcher()
                    return texts.allSatisfy { text in
                        (try? own.firstMatch(lazy, in: Subject(text))) == (try? Matcher().firstMatch(eager, in: Subject(text)))
                    }
                }
            }
            for await ok in group { #expect(ok) }
        }
        for text in texts { #expect(try matcher.firstMatch(lazy, in: Subject(text)) == matcher.firstMatch(eager, in: Subject(text))) }
        #expect(lazy.isJIT == eager.isJIT)
    }
}

/// Named groups, for the slots of rule titles: the name table, and the spans of a match's groups.
@Suite struct NamedGroupTests {
    @Test func nameTableGivesEachNameItsNumber() throws {
        let regex = try Regex("(?:我是|这里是)(?<platform>微信|支付宝)(客服)(?<role>专员)?")
        #expect(regex.namedGroups.map(\.name) == ["platform", "role"], "the name table is sorted by name")
        #expect(regex.namedGroups.map(\.number) == [1, 3])
        #expect(try Regex("(?:a)(b)").namedGroups.isEmpty)
    }

    @Test func groupsOfTheFirstMatch() throws {
        let regex = try Regex("(?:我是|这里是)(?<platform>微信|支付宝)(客服)(?<role>专员)?")
        let matcher = Matcher()
        let subject = Subject("您好，我是支付宝客服")
        let groups = try #require(try matcher.firstMatchGroups(regex, in: subject))
        let whole = try matcher.firstMatch(regex, in: subject)
        #expect(groups.count == 4)
        #expect(groups[0] == whole, "the whole match is firstMatch's")
        #expect(groups[1] == 15..<24, "支付宝, in UTF-8 bytes")
        #expect(groups[3] == nil, "a group that took no part")
        #expect(try matcher.firstMatchGroups(regex, in: Subject("你好")) == nil)
    }

    @Test func oneNameInEveryBranchOfABranchReset() throws {
        // (?|...) numbers each branch's groups alike, so one name may stand in every branch.
        let regex = try Regex("(?|否则将被(?<threat>冻结|拘捕)|(?<threat>通缉令)下达)")
        #expect(regex.namedGroups.map(\.number) == [1])
        let groups = try #require(try Matcher().firstMatchGroups(regex, in: Subject("通缉令下达")))
        #expect(groups[1] == 0..<9)
    }
}
