import Testing
import TollgateCore
@testable import TollgateBase
@testable import TollgateHTTPClient
@testable import TollgateExactCache
@testable import TollgateSemantic
@testable import TollgateProviders
@testable import TollgateRouting
@testable import TollgateShared
@testable import TollgateFixtures
@testable import TollgateDialects
@testable import TollgatePipeline
@testable import TollgateServer
@testable import TollgateMock
@testable import TollgateBench

@Suite("Look-alike guard: number order")
struct NumberOrderTests {
    @Test(arguments: [("Team A won 2-1", "Team A won 1-2"), ("crash test 0-1", "crash test 1-0"), ("What is 3/4 of 20?", "What is 4/3 of 20?")])
    func swappedJoinedNumbersAreBlocked(a: String, b: String) {
        let v = LookalikeGuard().verdict(query: a, cached: b)
        #expect(!v.pass && v.kind == .numbers, "\(v)")
    }

    @Test func sameJoinedNumbersPass() {
        #expect(LookalikeGuard().verdict(query: "Who won the match that ended 2-1?", cached: "which team won the game ending 2-1").kind != .numbers)
        #expect(PromptFeatures.orderedNumberPairs("score 2 - 1, ratio 16:9 and 3.5/7") == ["16:9", "2-1", "3.5/7"])
    }
}
