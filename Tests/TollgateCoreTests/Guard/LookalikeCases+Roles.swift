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

    static let qualifiers: [GuardCase] = [
        .init("What is the largest city in Canada?", "What is the smallest city in Canada?", .qualifiers),
        .init("Sort the numbers in ascending order", "Sort the numbers in descending order", .qualifiers),
        .init("What are the pros of remote work?", "What are the cons of remote work?", .qualifiers),
        .init("What is the best programming book for beginners?", "What is the worst programming book for beginners?", .qualifiers),
        .init("How do I increase the font size in VS Code?", "How do I decrease the font size in VS Code?", .qualifiers),
        .init("Find the maximum value in an array", "Find the minimum value in an array", .qualifiers),
        .init("Should I buy Bitcoin now?", "Should I sell Bitcoin now?", .qualifiers),
        .init("How do I import a CSV file into Excel?", "How do I export a CSV file from Excel?", .qualifiers),
        .init("How do I encrypt a file with GPG?", "How do I decrypt a file with GPG?", .qualifiers),
        .init("What are the advantages of nuclear energy?", "What are the disadvantages of nuclear energy?", .qualifiers),
        .init("Show me the cheapest flights to Tokyo", "Show me the most expensive flights to Tokyo", .qualifiers),
        .init("How do I enable dark mode on my iPhone?", "How do I disable dark mode on my iPhone?", .qualifiers),
        .init("How do I upload files to Google Drive?", "How do I download files from Google Drive?", .qualifiers),
        .init("Which foods raise blood pressure?", "Which foods lower blood pressure?", .qualifiers),
        .init("How do I log in to my account?", "How do I log out of my account?", .qualifiers),
        .init("What should I eat to gain weight?", "What should I eat to lose weight?", .qualifiers),
        .init("What is the hottest planet?", "What is the coldest planet?", .qualifiers),
        .init("How do I make my code run faster?", "How do I make my code run slower?", .qualifiers),
        .init("Show me the oldest photos in my library", "Show me the newest photos in my library", .qualifiers),
    ]

    static let taskVerb: [GuardCase] = [
        .init("Summarize this article about climate change", "Translate this article about climate change", .taskVerb),
        .init("Explain this Python code", "Fix this Python code", .taskVerb),
        .init("Write a poem about the ocean", "Analyze a poem about the ocean", .taskVerb),
        .init("Delete all rows in the users table", "Count all rows in the users table", .taskVerb),
        .init("List the steps to bake bread", "Explain the steps to bake bread", .taskVerb),
        .init("Rewrite this paragraph in a formal tone", "Summarize this paragraph in a formal tone", .taskVerb),
        .init("Compare these two resumes", "Review these two resumes", .taskVerb),
        .init("Sort this list of names", "Reverse this list of names", .taskVerb),
        .init("How do I delete a Git branch?", "How do I rename a Git branch?", .taskVerb),
        .init("Debug this JavaScript function", "Optimize this JavaScript function", .taskVerb),
        .init("Merge these CSV files", "Compare these CSV files", .taskVerb),
        .init("Copy the file to the backup folder", "Move the file to the backup folder", .taskVerb),
        .init("When was the Eiffel Tower built?", "Why was the Eiffel Tower built?", .taskVerb),
        .init("Where do penguins live?", "Why do penguins live there?", .taskVerb),
        .init("Paraphrase this sentence", "Translate this sentence", .taskVerb),
        .init("Explain this SQL query", "Optimize this SQL query", .taskVerb),
    ]
}
