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

/// Focused tests of each check and of the normalisations behind them.
@Suite("Look-alike guard: checks")
struct GuardFeatureTests {
    let g = LookalikeGuard()

    func f(_ text: String) -> PromptFeatures { g.features(of: text) }
    func passes(_ a: String, _ b: String) -> Bool { g.verdict(query: a, cached: b).pass }
    func kind(_ a: String, _ b: String) -> MismatchKind? { g.verdict(query: a, cached: b).kind }

    // MARK: Numbers

    @Test func numbersHaveOneSpelling() {
        #expect(f("walk ten km").numbers.hard == ["10 km"])
        #expect(f("walk 10 kilometres").numbers.hard == ["10 km"])
        #expect(f("walk 10km").numbers.hard == ["10 km"])
        #expect(f("1,000 users").numbers.hard == ["1000"])
        #expect(f("twenty-five").numbers.hard == ["25"])
        #expect(f("one hundred and five").numbers.hard == ["105"])
        #expect(f("a dozen eggs").numbers.hard == ["12"])
        #expect(f("1.5 million people").numbers.hard == ["1500000"])
        #expect(f("Python 3.10").numbers.hard == ["3.10"], "a version keeps its digits")
        #expect(f("the 1990s").numbers.hard == ["1990s"])
        for text in ["5%", "5 percent", "five per cent", "5 %"] { #expect(f(text).numbers.hard == ["5 %"], "\(text)") }
        for text in ["$5", "5 dollars", "USD 5", "5 usd"] { #expect(f(text).numbers.hard == ["5 usd"], "\(text)") }
        for text in ["the 2nd law", "the second law"] { #expect(f(text).numbers.hard == ["#2"], "\(text)") }
    }

    @Test func softNumbersNeedNotMatch() {
        #expect(f("which one is better").numbers.hard.isEmpty)
        #expect(passes("Which one is faster?", "Which is faster?"))
        #expect(passes("How many feet in a mile?", "How many feet are in 1 mile?"))
        #expect(!passes("How many feet in a mile?", "How many feet are in 2 miles?"))
        #expect(g.verdict(query: "Convert 10 miles to km", cached: "Convert 10 km to miles").reason == "numbers differ: {10 mi} vs {10 km}")
        #expect(kind("Convert 10 miles to km", "Convert 10 miles to meters") == .numbers, "the target unit differs")
    }

    // MARK: Quotes

    @Test func quotedStrings() {
        for text in ["Say \"hello world\"", "Say \u{201C}hello world\u{201D}", "Say 'hello world'", "Say `hello world`", "Say ``hello world''"] {
            #expect(f(text).quoted == ["hello world"], "\(text)")
        }
        #expect(f("Don't use the students' books").quoted.isEmpty, "apostrophes are not quotes")
        #expect(passes("Translate \"see you later\" to Italian", "Translate see you later to Italian"))
        #expect(kind("Translate \"see you later\"", "Translate \"see you soon\"") == .quoted)
    }

    // MARK: Technologies

    @Test func technologies() {
        #expect(f("Explain promises in JS").technologies == ["javascript"])
        #expect(f("Can we go to the park?").technologies.isEmpty)
        #expect(f("How do I write a web server in Go?").technologies == ["go"])
        #expect(f("Which fruit has the most vitamin C?").technologies.isEmpty)
        #expect(passes("Django forms", "Python Django forms"), "a framework implies its language")
        #expect(kind("Read a CSV file with pandas", "Read a CSV file with Python") == .technologies, "but not the other way round")
        #expect(kind("Write the query for Postgres", "Write the query for SQLite") == .technologies)
        #expect(passes("HOW DO I LEARN SWIFT?", "How do I learn Swift?"), "capitals say nothing in a shouted prompt")
    }

    // MARK: Direction

    @Test func direction() {
        #expect(kind("Flights from Oslo to Rome", "Flights from Rome to Oslo") == .direction)
        #expect(kind("Is a car slower than a bike?", "Is a bike slower than a car?") == .direction)
        #expect(passes("Is a car faster than a bike?", "Is a bike slower than a car?"), "a scale read both ways")
        #expect(passes("Flights from Oslo to Rome", "Flights to Rome from Oslo"))
        #expect(passes("Is tea healthier than coffee?", "Is coffee less healthy than tea?"))
        #expect(kind("Is a car faster than a bike?", "Is a bike faster than a car?") == .direction)
        #expect(kind("Wash the rice before cooking it", "Wash the rice after cooking it") == .direction)
        #expect(kind("Why did Sparta fight Athens?", "Why did Athens fight Sparta?") == .direction)
        #expect(passes("Compare Sparta and Athens", "Compare Athens and Sparta"), "and/or/vs are symmetric")
    }

    // MARK: Normalisation

    @Test func normalisation() {
        #expect(GuardNormalizer.spell("summarised") == "summarized")
        #expect(GuardNormalizer.spell("colours") == "colors")
        #expect(GuardNormalizer.spell("centre") == "center")
        #expect(GuardNormalizer.singular("cities") == "city")
        #expect(GuardNormalizer.singular("boxes") == "box")
        #expect(GuardNormalizer.singular("news") == "news")
        #expect(GuardNormalizer.stripContraction("doesn't") == "does")
        #expect(GuardNormalizer.stripContraction("can't") == "can")
        #expect(GuardNormalizer.stripContraction("trump's") == "trump")
    }

    @Test func checksCanBeSwitchedOff() {
        let numbersOnly = LookalikeGuard(checks: [.numbers])
        #expect(numbersOnly.verdict(query: "Explain this", cached: "Translate this").pass)
        #expect(!numbersOnly.verdict(query: "5 apples", cached: "6 apples").pass)
        #expect(MismatchKind.allCases.count == 4, "numbers, quoted, technologies, direction: the rest is the verifier's")
        #expect(Set(MismatchKind.checkOrder) == Set(MismatchKind.allCases))
    }
}
