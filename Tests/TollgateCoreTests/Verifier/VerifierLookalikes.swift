// The look-alikes of the checks the pair verifier replaced (names, negation, qualifiers, the task;
// issue 15): they were the full guard's test cases (LookalikeCases, BlindCases, GuardRuleTests,
// GuardFeatureTests) and are now the verifier path's: each one misses there, most below the cosine
// gate (0.90), the rest refused by the verifier. Run through `tollgate similarity` on 2026-12-04
// before they were kept; these 12 of 97 were SERVED by the verifier path and are not tested
// (the full guard refused them; the verifier default never ran those checks, so it served them
// before the deletion too) — cached prompt / query, cosine, verifier p:
//   "What is the weather in North Carolina in May?" / "What is the weather in South Carolina in May?": 0.9372, p = 0.962
//   "Write a function that uses recursion" / "Write a function without using recursion": 0.9348, p = 0.874
//   "Sort the array and keep duplicates" / "Sort the array and do not keep duplicates": 0.9879, p = 0.820
//   "Translate the text and keep the formatting" / "Translate the text but don't keep the formatting": 0.9686, p = 0.955
//   "What are the pros of remote work?" / "What are the cons of remote work?": 0.9305, p = 0.996
//   "What are the advantages of nuclear energy?" / "What are the disadvantages of nuclear energy?": 0.9127, p = 0.996
//   "How do I make my code run faster?" / "How do I make my code run slower?": 0.9537, p = 0.997
//   "Is coffee good for your heart?" / "Is coffee bad for your heart?": 0.9505, p = 0.988
//   "Explain the difference between a virus and a bacterium" / "Explain the similarities between a virus and a bacterium": 0.9225, p = 0.997
//   "Write a poem about the ocean" / "Analyze a poem about the ocean": 0.9098, p = 0.997
//   "When was the Eiffel Tower built?" / "Why was the Eiffel Tower built?": 0.9457, p = 0.992
//   "Where do penguins live?" / "Why do penguins live there?": 0.9323, p = 0.990

enum VerifierLookalikes {
    static let entities: [(String, String)] = [
        ("What is the capital of Australia?", "What is the capital of Austria?"),
        ("Summarize the plot of Hamlet", "Summarize the plot of Macbeth"),
        ("Who founded Microsoft?", "Who founded Apple?"),
        ("Write a short biography of Marie Curie", "Write a short biography of Albert Einstein"),
        ("What is the weather like in Paris in spring?", "What is the weather like in London in spring?"),
        ("Compare the economies of Germany and Japan", "Compare the economies of Germany and Italy"),
        ("How do I get a work visa for Canada?", "How do I get a work visa for Mexico?"),
        ("What are the main themes of Pride and Prejudice?", "What are the main themes of Sense and Sensibility?"),
        ("Explain the fall of the Roman Empire", "Explain the fall of the Ottoman Empire"),
        ("What does NASA do?", "What does NOAA do?"),
        ("Tell me about the history of Tesla", "Tell me about the history of Ford"),
        ("Who won the Super Bowl last season?", "Who won the World Series last season?"),
        ("Describe the architecture of the Eiffel Tower", "Describe the architecture of the Leaning Tower of Pisa"),
        ("Recommend hotels near Central Park", "Recommend hotels near Hyde Park"),
        ("Is it safe to travel to Kenya in July?", "Is it safe to travel to Kenya in December?"),
        ("How do I get from the airport to downtown Seattle?", "How do I get from the airport to downtown Portland?"),
        ("Explain Newton's first law", "Explain Kepler's first law"),
        ("What is the capital of Sweden?", "What is the capital of Switzerland?"),
        ("Which countries border France?", "Which countries border Spain?"),
        ("How do I get a passport for my child in the UK?", "How do I get a passport for my child in Ireland?"),
        ("Recommend a book similar to The Hobbit", "Recommend a book similar to Dune"),
        ("What's the time in New York?", "What's the time in Los Angeles?"),
        ("What did Hillary Clinton say about trade?", "What did Bill Clinton say about trade?"),
        ("How do I get a job at Acme Robotics?", "How do I get a job at Zenith Robotics?"),
        ("Which schools are best for an MS in CS?", "Which schools are best for an MS in Civil Engineering?"),
        ("Why is North Korea poor?", "Why is South Korea poor?"),
        ("Is West Virginia safe to live in?", "Is Virginia safe to live in?"),
        ("Is Southeast Asia safe for backpackers?", "Is South Asia safe for backpackers?"),
        ("How hot is the Kalahari Desert?", "How hot is the Gobi Desert?"),
    ]

    static let negation: [(String, String)] = [
        ("Which fruits are high in vitamin C?", "Which fruits are not high in vitamin C?"),
        ("List countries that use the euro", "List countries that don't use the euro"),
        ("Why does my code work?", "Why doesn't my code work?"),
        ("Give me a vegetarian recipe with eggs", "Give me a vegetarian recipe without eggs"),
        ("List all the planets except Earth", "List all the planets including Earth"),
        ("Which animals can swim?", "Which animals cannot swim?"),
        ("Name foods that contain gluten", "Name foods that contain no gluten"),
        ("Summarize the article including the conclusion", "Summarize the article excluding the conclusion"),
        ("Explain why the sky is blue", "Explain why the sky is not blue"),
        ("Should I take this medicine with food?", "Should I never take this medicine with food?"),
        ("Which countries drive on the left?", "Which countries don't drive on the left?"),
        ("Write a story with a happy ending", "Write a story without a happy ending"),
        ("Why is my laptop fan so loud?", "Why is my laptop fan not working?"),
        ("List animals that lay eggs", "List animals that don't lay eggs"),
        ("Why not use Rust for scripts?", "Why use Rust for scripts?"),
        ("Why is the sky not green?", "Why is the sky green?"),
        ("Books with pictures", "Books without pictures"),
    ]

    static let qualifiers: [(String, String)] = [
        ("What is the largest city in Canada?", "What is the smallest city in Canada?"),
        ("Sort the numbers in ascending order", "Sort the numbers in descending order"),
        ("What is the best programming book for beginners?", "What is the worst programming book for beginners?"),
        ("How do I increase the font size in VS Code?", "How do I decrease the font size in VS Code?"),
        ("Find the maximum value in an array", "Find the minimum value in an array"),
        ("Should I buy Bitcoin now?", "Should I sell Bitcoin now?"),
        ("How do I import a CSV file into Excel?", "How do I export a CSV file from Excel?"),
        ("How do I encrypt a file with GPG?", "How do I decrypt a file with GPG?"),
        ("Show me the cheapest flights to Tokyo", "Show me the most expensive flights to Tokyo"),
        ("How do I enable dark mode on my iPhone?", "How do I disable dark mode on my iPhone?"),
        ("How do I upload files to Google Drive?", "How do I download files from Google Drive?"),
        ("Which foods raise blood pressure?", "Which foods lower blood pressure?"),
        ("How do I log in to my account?", "How do I log out of my account?"),
        ("What should I eat to gain weight?", "What should I eat to lose weight?"),
        ("What is the hottest planet?", "What is the coldest planet?"),
        ("Show me the oldest photos in my library", "Show me the newest photos in my library"),
        ("Explain how to install Node on Windows", "Explain how to uninstall Node on Windows"),
        ("Summarize the first chapter of Moby Dick", "Summarize the last chapter of Moby Dick"),
        ("How do I sort an array of objects by date in ascending order?", "How do I sort an array of objects by date in descending order?"),
        ("What are the best pro-union arguments?", "What are the best anti-union arguments?"),
        ("What is the weather in Oslo in the winter?", "What is the weather in Oslo in the summer?"),
        ("the biggest lake", "the smallest lake"),
        ("How do I turn on the heating?", "How do I turn off the heating?"),
    ]

    static let taskVerb: [(String, String)] = [
        ("Summarize this article about climate change", "Translate this article about climate change"),
        ("Explain this Python code", "Fix this Python code"),
        ("Delete all rows in the users table", "Count all rows in the users table"),
        ("List the steps to bake bread", "Explain the steps to bake bread"),
        ("Rewrite this paragraph in a formal tone", "Summarize this paragraph in a formal tone"),
        ("Compare these two resumes", "Review these two resumes"),
        ("Sort this list of names", "Reverse this list of names"),
        ("How do I delete a Git branch?", "How do I rename a Git branch?"),
        ("Debug this JavaScript function", "Optimize this JavaScript function"),
        ("Merge these CSV files", "Compare these CSV files"),
        ("Copy the file to the backup folder", "Move the file to the backup folder"),
        ("Paraphrase this sentence", "Translate this sentence"),
        ("Explain this SQL query", "Optimize this SQL query"),
        ("How do I add a column to a pandas DataFrame?", "How do I drop a column from a pandas DataFrame?"),
        ("Translate this email", "Summarize this email"),
        ("When did the war start?", "Why did the war start?"),
    ]

    static let all = entities + negation + qualifiers + taskVerb
}
