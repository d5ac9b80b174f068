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

/// One labelled prompt pair of the guard's own test set (written for Tollgate; no third-party text).
struct GuardCase: Sendable, CustomStringConvertible {
    let a: String
    let b: String
    /// The check that must block the pair; nil for a true paraphrase that must pass.
    let kind: MismatchKind?

    init(_ a: String, _ b: String, _ kind: MismatchKind? = nil) {
        self.a = a
        self.b = b
        self.kind = kind
    }

    var description: String { "\"\(a)\" | \"\(b)\"" }
}

/// Look-alikes: near-identical prompts that ask for something different.
enum LookalikeCases {
    /// Names, negation, qualifiers and the task are the pair verifier's: their look-alikes are in
    /// `VerifierLookalikes`, through the verifier path.
    static let all: [GuardCase] = numbers + quoted + technologies + direction + BlindCases.lookalikes

    static let numbers: [GuardCase] = [
        .init("Convert 10 miles to km", "Convert 10 km to miles", .numbers),
        .init("What is 15% of 200?", "What is 25% of 200?", .numbers),
        .init("Write a 500-word essay about climate change", "Write a 1000-word essay about climate change", .numbers),
        .init("Summarize the news from 2019", "Summarize the news from 2021", .numbers),
        .init("List five tips for better sleep", "List ten tips for better sleep", .numbers),
        .init("How many calories are in 100 grams of rice?", "How many calories are in 200 grams of rice?", .numbers),
        .init("What was the population of France in 1990?", "What was the population of France in 2020?", .numbers),
        .init("Plan a 3-day trip to Rome", "Plan a 7-day trip to Rome", .numbers),
        .init("Convert 30 degrees Celsius to Fahrenheit", "Convert 40 degrees Celsius to Fahrenheit", .numbers),
        .init("What is the square root of 144?", "What is the square root of 169?", .numbers),
        .init("Give me a recipe that serves 4 people", "Give me a recipe that serves 6 people", .numbers),
        .init("How much is $100 in euros?", "How much is $1,000 in euros?", .numbers),
        .init("Explain the second law of thermodynamics", "Explain the third law of thermodynamics", .numbers),
        .init("Is 1.5 GB of data enough for a month?", "Is 15 GB of data enough for a month?", .numbers),
        .init("Write a Python script that retries the request 3 times", "Write a Python script that retries the request 5 times", .numbers),
        .init("How long does it take to walk 5 km?", "How long does it take to walk 5 miles?", .numbers),
        .init("Set a timer for 5 minutes", "Set a timer for 15 minutes", .numbers),
        .init("Is a 700 credit score good?", "Is a 600 credit score good?", .numbers),
    ]

    static let quoted: [GuardCase] = [
        .init("Translate \"good morning\" into Spanish", "Translate \"good night\" into Spanish", .quoted),
        .init("What does the word \"ephemeral\" mean?", "What does the word \"ubiquitous\" mean?", .quoted),
        .init("Fix the error \"undefined is not a function\"", "Fix the error \"cannot read property of null\"", .quoted),
        .init("Rewrite the sentence 'The cat sat on the mat' in passive voice", "Rewrite the sentence 'The dog chased the ball' in passive voice", .quoted),
        .init("Is \"affect\" a verb or a noun?", "Is \"effect\" a verb or a noun?", .quoted),
        .init("Write a haiku titled \"Autumn Rain\"", "Write a haiku titled \"Winter Sun\"", .quoted),
        .init("Search my notes for \u{201C}project alpha\u{201D}", "Search my notes for \u{201C}project beta\u{201D}", .quoted),
        .init("What rhymes with \"orange\"?", "What rhymes with \"purple\"?", .quoted),
        .init("Explain the idiom \"break the ice\"", "Explain the idiom \"spill the beans\"", .quoted),
        .init("Create a regex that matches 'abc'", "Create a regex that matches 'xyz'", .quoted),
        .init("Count the vowels in \"banana\"", "Count the vowels in \"pineapple\"", .quoted),
        .init("Reply to the email with the subject \"Quarterly report\"", "Reply to the email with the subject \"Annual review\"", .quoted),
        .init("Check the spelling of `accommodate`", "Check the spelling of `definitely`", .quoted),
        .init("What does \"carpe diem\" mean?", "What does \"memento mori\" mean?", .quoted),
    ]

    static let technologies: [GuardCase] = [
        .init("Write a Python function to reverse a linked list", "Write a Java function to reverse a linked list", .technologies),
        .init("How do I manage state in React?", "How do I manage state in Vue?", .technologies),
        .init("Write a SQL query for PostgreSQL to find duplicate rows", "Write a SQL query for MySQL to find duplicate rows", .technologies),
        .init("How do I install Docker on Ubuntu?", "How do I install Docker on Windows?", .technologies),
        .init("Explain closures in JavaScript", "Explain closures in Python", .technologies),
        .init("How do I read a CSV file in Go?", "How do I read a CSV file in Rust?", .technologies),
        .init("Set up a Kubernetes cluster on AWS", "Set up a Kubernetes cluster on Azure", .technologies),
        .init("How do I center a div with CSS?", "How do I center a div with Tailwind?", .technologies),
        .init("What is the best IDE for C++?", "What is the best IDE for C#?", .technologies),
        .init("How do I create a virtual environment on macOS?", "How do I create a virtual environment on Linux?", .technologies),
        .init("Build a REST API with Django", "Build a REST API with Flask", .technologies),
        .init("How do I handle errors in Swift?", "How do I handle errors in Kotlin?", .technologies),
        .init("Write a bash script to back up a directory", "Write a PowerShell script to back up a directory", .technologies),
        .init("Plot a histogram with matplotlib", "Plot a histogram in Excel", .technologies),
        .init("How do I parse JSON in Java?", "How do I parse XML in Java?", .technologies),
        .init("How do I make an HTTP request in Ruby?", "How do I make an HTTP request in PHP?", .technologies),
    ]
}
