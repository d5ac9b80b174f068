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

@Suite("Look-alike guard: labelled set")
struct GuardSetTests {
    let guardrail = LookalikeGuard()

    @Test func theSetCoversEveryKind() {
        #expect(LookalikeCases.all.count + ParaphraseCases.all.count >= 160)
        #expect(ParaphraseCases.all.count >= 60)
        for kind in MismatchKind.allCases {
            #expect(LookalikeCases.all.filter { $0.kind == kind }.count >= 10, "\(kind)")
        }
        #expect(ParaphraseCases.all.allSatisfy { $0.kind == nil })
    }

    @Test(arguments: LookalikeCases.all)
    func lookalikeIsBlocked(_ c: GuardCase) {
        for (query, cached) in [(c.a, c.b), (c.b, c.a)] {
            let v = guardrail.verdict(query: query, cached: cached)
            #expect(!v.pass, "\(c)")
            #expect(v.kind == c.kind, "\(c) → \(v.reason ?? "pass")")
            #expect(v.reason != nil)
        }
    }

    @Test func paraphrasesPass() {
        let failed = ParaphraseCases.all.filter { c in
            !guardrail.verdict(query: c.a, cached: c.b).pass || !guardrail.verdict(query: c.b, cached: c.a).pass
        }
        for c in failed {
            print("paraphrase blocked: \(c) → \(guardrail.verdict(query: c.a, cached: c.b).reason ?? guardrail.verdict(query: c.b, cached: c.a).reason ?? "")")
        }
        let passRate = Double(ParaphraseCases.all.count - failed.count) / Double(ParaphraseCases.all.count)
        #expect(passRate >= 0.95, "paraphrases passing: \(passRate), blocked: \(failed)")
    }

    @Test func precomputedFeaturesGiveTheSameVerdicts() {
        for c in LookalikeCases.all + ParaphraseCases.all {
            let fa = guardrail.features(of: c.a), fb = guardrail.features(of: c.b)
            #expect(guardrail.verdict(query: fa, cached: fb) == guardrail.verdict(query: c.a, cached: c.b))
            #expect(guardrail.features(of: c.a) == fa, "deterministic")
        }
    }

    @Test func identicalPromptsPass() {
        for c in LookalikeCases.all + ParaphraseCases.all {
            #expect(guardrail.verdict(query: c.a, cached: c.a).pass, "\(c.a)")
            #expect(guardrail.verdict(query: c.b, cached: c.b.uppercased()).pass || c.b.uppercased() == c.b, "\(c.b)")
        }
    }
}
