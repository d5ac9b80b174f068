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

extension LookalikeCases {
    static let direction: [GuardCase] = [
        .init("Translate this sentence from English to German", "Translate this sentence from German to English", .direction),
        .init("Convert Celsius to Fahrenheit", "Convert Fahrenheit to Celsius", .direction),
        .init("How do I convert a string to an integer in Python?", "How do I convert an integer to a string in Python?", .direction),
        .init("What is the flight time from London to New York?", "What is the flight time from New York to London?", .direction),
        .init("Is Python faster than Java?", "Is Java faster than Python?", .direction),
        .init("Should I stretch before running?", "Should I stretch after running?", .direction),
        .init("Migrate the database from MySQL to PostgreSQL", "Migrate the database from PostgreSQL to MySQL", .direction),
        .init("Send money from India to the US", "Send money from the US to India", .direction),
        .init("How long does it take to drive from Boston to Chicago?", "How long does it take to drive from Chicago to Boston?", .direction),
        .init("Convert USD to EUR", "Convert EUR to USD", .direction),
        .init("Is a cat bigger than a dog?", "Is a dog bigger than a cat?", .direction),
        .init("Why did Rome attack Carthage?", "Why did Carthage attack Rome?", .direction),
        .init("Write a function that maps keys to values", "Write a function that maps values to keys", .direction),
        .init("Did Apple sue Samsung?", "Did Samsung sue Apple?", .direction),
        .init("How do I move files from my phone to my laptop?", "How do I move files from my laptop to my phone?", .direction),
        .init("Is gold heavier than lead?", "Is lead heavier than gold?", .direction),
    ]
}
