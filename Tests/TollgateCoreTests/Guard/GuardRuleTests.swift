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

/// The rules added after reading QQP wrong hits (issue 6): each one with look-alikes it blocks and
/// paraphrases it keeps. Text written for Tollgate.
@Suite("Look-alike guard: swapped roles, bounds, units")
struct GuardRuleTests {
    let g = LookalikeGuard()

    func passes(_ a: String, _ b: String) -> Bool { g.verdict(query: a, cached: b).pass && g.verdict(query: b, cached: a).pass }
    func kind(_ a: String, _ b: String) -> MismatchKind? { g.verdict(query: a, cached: b).kind }

    // MARK: Roles swapped around the same linking words

    @Test func swappedRolesAreBlocked() {
        #expect(kind("Why do cats chase dogs?", "Why do dogs chase cats?") == .direction)
        #expect(kind("Can a manager be sued by an employee?", "Can an employee be sued by a manager?") == .direction)
        #expect(kind("Can I run Windows apps on Linux?", "Can I run Linux apps on Windows?") == .direction)
        #expect(kind("What happens if you put petrol in a diesel car?", "What happens if you put diesel in a petrol car?") == .direction)
        #expect(g.verdict(query: "Why do cats chase dogs?", cached: "Why do dogs chase cats?").reason == "roles swapped: {cat dog} vs {dog cat}")
    }

    @Test func reorderingThatKeepsTheRolesPasses() {
        #expect(passes("How does stress affect sleep?", "How is sleep affected by stress?"), "active vs passive")
        #expect(passes("Why do cats and dogs fight?", "Why do dogs and cats fight?"), "and is symmetric")
        #expect(passes("What is the best way to treat mouth ulcers?", "How do I treat ulcers in the mouth?"), "a compound vs a phrase")
        #expect(passes("Is tea healthier than coffee?", "Is coffee less healthy than tea?"), "comparatives belong to the direction check")
        #expect(passes("Which is the best bootcamp for data science in Berlin?", "Which is the best data science bootcamp in Berlin?"))
        #expect(passes("Is there enough water in the reservoir?", "Is reservoir water enough?"), "an \"in\" on one side only")
        #expect(passes("How common is food poisoning in hostels?", "Is food poisoning in hostels common?"))
        #expect(passes("Which are the best budget cameras for travel?", "Which budget camera is best for travel?"), "a qualifier has no role")
        #expect(!g.features(of: "It sells red apples, green pears").roles.contains { $0.key == "apple green" }, "no pair across a list")
    }

    @Test func rolePairsAreBounded() {
        let long = (1...200).map { "word\($0) by" }.joined(separator: " ")
        #expect(g.features(of: long).roles.count <= 64 * 6)
        #expect(g.features(of: "Does everything depend on everything?").roles.isEmpty, "a word twice has no single role")
    }

    // MARK: From the second reading and the guard's own refusals (issue 6)

    @Test func aBareNumberMatchesTheSameNumberWithAUnit() {
        #expect(passes("Best phone under 15000?", "Best phone under 15000 INR?"))
        #expect(passes("Which headphones under Rs. 2000 are good?", "Which headphones under 2000 are good?"))
        #expect(kind("How far is 10 km in miles?", "How far is 10 miles in km?") == .numbers, "units on both sides must agree")
        #expect(kind("Best phone under 15000?", "Best phone under 20000 INR?") == .numbers)
        #expect(kind("How long to walk 5 km?", "How long to walk 5 km and 3 miles?") == .numbers)
    }

    @Test func aBoundIsNotTheNumber() {
        #expect(kind("What are the downsides of raising more than one child?", "What are the downsides of raising one child?") == .numbers)
        #expect(kind("Is it safe to sleep less than 6 hours?", "Is it safe to sleep 6 hours?") == .numbers)
        #expect(kind("Can I carry more than $500 in cash?", "Can I carry less than $500 in cash?") == .numbers)
        #expect(passes("What if I have more than one child?", "What happens if I have more than one kid?"))
        #expect(passes("Is it bad to sleep less than 6 hours?", "Is sleeping less than six hours bad?"))
    }

    @Test func rolesSwappedAroundToAreBlocked() {
        #expect(kind("What is the worst thing a woman can say to a man?", "What is the worst thing a man can say to a woman?") == .direction)
        #expect(kind("Why do parents lie to their children?", "Why do children lie to their parents?") == .direction)
        #expect(passes("What should a husband say to his wife after a fight?", "What should a husband tell his wife after a fight?"))
        #expect(passes("How do I listen to music while I study?", "How can I study while listening to music?"))
    }
}
