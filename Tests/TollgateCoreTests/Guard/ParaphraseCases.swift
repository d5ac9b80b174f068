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

/// True paraphrases: the guard must let them through (they exercise the normalisations).
enum ParaphraseCases {
    static let all: [GuardCase] = numberWords + aliases + formsAndSpelling + reordering + politeness + synonyms + unseen
        + BlindCases.paraphrases

    static let numberWords: [GuardCase] = [
        .init("List five tips for better sleep", "Give me 5 tips for better sleep"),
        .init("What is ten percent of 250?", "What's 10% of 250?"),
        .init("Convert 1,000 meters to kilometers", "Convert 1000 m to km"),
        .init("Summarize this in three sentences", "Please summarise this in 3 sentences"),
        .init("Write a twenty-five word bio", "Write a 25-word bio"),
        .init("How many grams are in a kilogram?", "How many grams in one kilogram?"),
        .init("What is 2 + 2?", "What's two plus two?"),
        .init("Give me a 3-day itinerary for Rome", "Plan a three day trip to Rome"),
        .init("Explain the 2nd law of thermodynamics", "Explain the second law of thermodynamics"),
        .init("What is 5 percent of 80?", "What is 5% of 80?"),
        .init("Convert 10 kilometres to miles", "Convert ten km into miles"),
        .init("How much is $50 in euros?", "How much is 50 dollars in euros?"),
        .init("Explain recursion to a five year old", "Explain recursion to a 5-year-old"),
        .init("Write a summary of chapter 3", "Summarize chapter three"),
        .init("What is one hundred and twenty divided by four?", "What is 120 divided by 4?"),
        .init("Is 1.5 million people a big city?", "Is a city of 1,500,000 people big?"),
    ]

    static let aliases: [GuardCase] = [
        .init("How do I deploy an app to k8s?", "How do I deploy an app to Kubernetes?"),
        .init("Explain promises in JS", "Explain promises in JavaScript"),
        .init("Best hotels in NYC", "What are the best hotels in New York City?"),
        .init("How do I connect to Postgres from Node?", "How do I connect to PostgreSQL from Node.js?"),
        .init("What is the population of the USA?", "What is the population of the United States?"),
        .init("What is the minimum wage in the UK?", "What is the minimum wage in the United Kingdom?"),
        .init("Explain ML in simple terms", "Explain machine learning in simple terms"),
        .init("Write a TS interface for a user object", "Write a TypeScript interface for a user object"),
        .init("What's the difference between a DB index and a primary key?", "What is the difference between a database index and a primary key?"),
        .init("What is the GDP of the US?", "What's the GDP of the United States?"),
        .init("How many ounces in a pound?", "How many oz are in one lb?"),
        .init("What is the boiling point of water in Fahrenheit?", "What's the boiling point of water in °F?"),
        .init("How do I write a for loop in Golang?", "How do I write a for loop in Go?"),
        .init("Explain the AI alignment problem", "Explain the artificial intelligence alignment problem"),
    ]

    static let formsAndSpelling: [GuardCase] = [
        .init("How do I remove duplicates from a list in Python?", "How do I remove duplicate items from lists in Python?"),
        .init("What are good books about history?", "What is a good book about history?"),
        .init("Summarise this report", "Summarize this report"),
        .init("What is the favourite colour of most people?", "What is the favorite color of most people?"),
        .init("How do I optimise my website for mobile?", "How can I optimize my website for mobile?"),
        .init("Analyse the sentiment of these reviews", "Analyze the sentiment of these reviews"),
        .init("What programme should I use to organise my photos?", "What program should I use to organize my photos?"),
        .init("Can you help me understand the behaviour of this function?", "Explain the behavior of this function"),
        .init("Why doesn't my code compile?", "Why does my code not compile?"),
        .init("I don't know how to center a div", "How do I center a div?"),
        .init("Give me recipes without sugar", "Give me recipes with no sugar"),
        .init("What are the symptoms of the flu?", "What's a symptom of flu?"),
    ]

    static let reordering: [GuardCase] = [
        .init("Compare Python and Java", "Compare Java and Python"),
        .init("What is the difference between TCP and UDP?", "What is the difference between UDP and TCP?"),
        .init("In Python, how do I read a file?", "How do I read a file in Python?"),
        .init("Which is healthier, rice or pasta?", "Which is healthier, pasta or rice?"),
        .init("For a beginner, what is the best way to learn guitar?", "What is the best way for a beginner to learn guitar?"),
        .init("Pros and cons of electric cars", "What are the cons and pros of electric cars?"),
        .init("Messi vs Ronaldo: who is better?", "Who is better, Ronaldo or Messi?"),
        .init("Is Python faster than Java?", "Is Java slower than Python?"),
        .init("Should I stretch before running?", "Should I run after stretching?"),
        .init("Translate this sentence from English to German", "Translate this sentence into German from English"),
        .init("What is the flight time from London to Paris?", "How long is the flight to Paris from London?"),
        .init("Explain the difference between let and const in JavaScript", "In JS, what's the difference between const and let?"),
    ]

    static let politeness: [GuardCase] = [
        .init("Please explain quantum entanglement", "Can you explain quantum entanglement?"),
        .init("I want to know how photosynthesis works", "How does photosynthesis work?"),
        .init("Could you please tell me the capital of Peru?", "What is the capital of Peru?"),
        .init("Hey, can you write a haiku about autumn?", "Write a haiku about autumn"),
        .init("I'd like you to summarize this article for me", "Summarize this article"),
        .init("Help me write a cover letter for a software engineer job", "Write a cover letter for a software engineer job"),
        .init("Would you kindly list the planets in our solar system?", "List the planets in the solar system"),
        .init("Just wondering, what time zone is Tokyo in?", "What time zone is Tokyo in?"),
        .init("Can you tell me how to make pancakes?", "How do I make pancakes?"),
        .init("I need a summary of this meeting transcript", "Summarize this meeting transcript"),
        .init("Give me a list of healthy snacks", "List some healthy snacks"),
        .init("Could you translate 'thank you' into Japanese?", "Translate 'thank you' to Japanese"),
        .init("Please, fix the bug in this function", "Can you debug this function?"),
    ]

    static let synonyms: [GuardCase] = [
        .init("Define photosynthesis", "What is photosynthesis?"),
        .init("What is the tallest mountain in the world?", "Which mountain is the highest in the world?"),
        .init("How do I lose weight quickly?", "What's the fastest way to lose weight?"),
        .init("Give me the advantages and disadvantages of solar power", "What are the pros and cons of solar power?"),
        .init("How do I sort a dictionary by value in descending order?", "Sort a dict by value, descending"),
        .init("Write a function to check if a number is prime in Python", "Python function that checks whether a number is prime"),
        .init("What is the capital city of Japan?", "Japan's capital?"),
        .init("How do I exit Vim?", "How can I quit vim?"),
        .init("Convert this JSON to YAML", "Turn this JSON into YAML"),
        .init("How do I make my React app faster?", "How can I speed up my React application?"),
        .init("Recommend three sci-fi novels", "Suggest 3 science fiction novels"),
        .init("Explain how vaccines work", "How do vaccines work?"),
        .init("Remove the first item from the array", "Delete the first element of the array"),
        .init("What's the weather in Paris tomorrow?", "What will the weather be like in Paris tomorrow?"),
        .init("Who wrote the novel 1984?", "Who is the author of 1984?"),
        .init("What is the GDP of Germany?", "What's Germany's GDP?"),
    ]

    /// Written after the guard, without looking at what it normalises.
    static let unseen: [GuardCase] = [
        .init("What's the best way to learn Spanish fast?", "How can I learn Spanish quickly?"),
        .init("Can you give me some ideas for a 10 year old's birthday party?", "Birthday party ideas for a ten-year-old"),
        .init("how do i reverse a string in python", "Reverse a string in Python"),
        .init("What does HTTP stand for?", "What is the meaning of the acronym HTTP?"),
        .init("Write me a limerick about a cat named Tom", "Compose a limerick about a cat called Tom"),
        .init("Is it bad to drink coffee at night?", "Is drinking coffee at night bad for you?"),
        .init("Explain the theory of relativity in simple words", "Explain relativity theory simply"),
        .init("How do I get rid of fruit flies in my kitchen?", "What's the best way to eliminate fruit flies from the kitchen?"),
        .init("What are some good exercises for lower back pain?", "Which exercises help with lower back pain?"),
        .init("When did World War II end?", "In what year did WW2 end?"),
        .init("What is the distance between Earth and Mars?", "How far is Mars from Earth?"),
        .init("Tell me a fun fact about octopuses", "Share an interesting fact about octopi"),
        .init("Generate a strong password", "Create a secure password for me"),
        .init("How much water should I drink per day?", "How many liters of water should I drink daily?"),
        .init("Who is the CEO of Apple?", "Who is Apple's chief executive officer?"),
        .init("Summarize the following email in two sentences", "Give me a 2-sentence summary of the following email"),
        .init("What is the time complexity of quicksort?", "What's quicksort's big-O time complexity?"),
        .init("Make this paragraph more concise", "Shorten this paragraph"),
        .init("What are the health benefits of green tea?", "Why is green tea good for your health?"),
        .init("How do I undo the last commit in git?", "How can I revert my most recent Git commit?"),
        .init("Please proofread my essay", "Check my essay for grammar and spelling mistakes"),
        .init("Can dogs eat grapes?", "Is it safe for a dog to eat grapes?"),
        .init("Name three famous paintings by Van Gogh", "List 3 well-known Van Gogh paintings"),
        .init("What should I pack for a week-long trip to Iceland?", "Packing list for a one-week trip to Iceland"),
        .init("How do I convert a PDF to Word?", "What's the best way to turn a PDF into a Word document?"),
        .init("Why is the ocean salty?", "What makes seawater salty?"),
        .init("List all files in a directory using Node", "How to list the files of a folder in Node.js"),
        .init("Give me a synonym for happy", "What's another word for happy?"),
        .init("How do you say 'thank you' in French?", "What is 'thank you' in French?"),
        .init("What's 15 times 12?", "Multiply fifteen by twelve"),
        .init("I'm feeling anxious, any tips to calm down?", "How can I calm down when I feel anxious?"),
        .init("Write an SQL query that counts users by country", "SQL query to count the number of users per country"),
    ]
}
