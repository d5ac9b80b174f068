#!/usr/bin/env python3
"""Writes benchmarks/workloads/own.jsonl: a small hit-ratio workload written by the Tollgate team
(no third-party text). Each group holds look-alike classes; each class holds prompts that mean
the same (they may share an answer). Prompts of different classes in a group differ in what must
be equal — a number, a name, a technology, negation, direction, a qualifier, the task — and must
not share an answer. Some prompts are sent twice (exact hits).

The order is a seeded random interleaving of the classes: each class keeps its listed order (its
first prompt fills the cache), classes mix at random. Same seed, same file.

    python3 benchmarks/bench/make_own_workload.py [SEED]
"""
import json
import random
import sys
from pathlib import Path

GROUPS = [
    [["What is the capital of Australia?", "Which city is the capital of Australia?", "What's Australia's capital city?", "Name the capital city of Australia."],
     ["What is the capital of Austria?", "Which city is Austria's capital?"],
     ["What is the largest city in Australia?", "Which Australian city has the most people?"]],
    [["How do I reverse a string in Python?", "How can I reverse a string using Python?", "What's the way to reverse a Python string?"],
     ["How do I reverse a string in JavaScript?", "How can I reverse a string in JS?"],
     ["How do I reverse a list in Python?"]],
    [["Convert 100 degrees Fahrenheit to Celsius", "What is 100 °F in Celsius?", "100 F to C"],
     ["Convert 100 degrees Celsius to Fahrenheit", "What is 100 °C in Fahrenheit?"],
     ["Convert 180 degrees Fahrenheit to Celsius"]],
    [["How many hours of sleep does an adult need?", "How much sleep do grown-ups need each night?", "How long should an adult sleep per night?"],
     ["How many hours of sleep does a teenager need?"],
     ["How many hours of sleep does a newborn need?"]],
    [["How do I delete a git branch?", "How can I remove a branch in git?", "What's the command to delete a branch in git?"],
     ["How do I create a git branch?", "How can I make a new branch in git?"],
     ["How do I rename a git branch?"]],
    [["How do I sort a list in ascending order in Python?", "How can I sort a Python list from smallest to largest?"],
     ["How do I sort a list in descending order in Python?", "How can I sort a Python list from largest to smallest?"]],
    [["What is 15% of 80?", "Calculate 15 percent of 80.", "How much is 15% of 80?"],
     ["What is 15% of 60?"],
     ["What is 25% of 80?"]],
    [["Who painted the Mona Lisa?", "Who was the painter of the Mona Lisa?", "Which artist painted the Mona Lisa?"],
     ["Who painted The Starry Night?"],
     ["Where is the Mona Lisa displayed?"]],
    [["Why is the sky blue?", "Why does the sky look blue?", "What makes the sky blue?"],
     ["Why is the sunset red?", "Why does the sky turn red at sunset?"]],
    [["How long should I boil an egg for a hard yolk?", "How many minutes do I boil an egg to get it hard-boiled?"],
     ["How long should I boil an egg for a runny yolk?", "How many minutes for a soft-boiled egg?"]],
    [["Is 97 a prime number?", "Is 97 prime?", "Can 97 be divided by anything other than 1 and itself?"],
     ["Is 91 a prime number?", "Is 91 prime?"],
     ["Is 97 an even number?"]],
    [["When did World War II end?", "When did the Second World War end?", "In what year did WW2 finish?"],
     ["When did World War I end?", "When did the First World War end?"],
     ["When did World War II start?"]],
    [["How do I make a bash script executable?", "How can I make a shell script executable?", "How do I give a bash script permission to run?"],
     ["How do I make a Python script executable?"]],
    [["How do I select the first 10 rows in SQL?", "How can I get only the first 10 rows in SQL?", "SQL query to return just the top 10 rows"],
     ["How do I select the last 10 rows in SQL?"],
     ["How do I select the first 10 rows in pandas?"]],
    [["How can I reduce jet lag?", "Tips to reduce jet lag", "What helps with jet lag?"],
     ["How can I reduce motion sickness?"]],
    [["Who wrote the novel 1984?", "Who is the author of 1984?", "Who wrote the book 1984?"],
     ["Who wrote the novel Brave New World?"],
     ["When was the novel 1984 published?"]],
    [["How do I convert kilometers to miles?", "What's the formula to turn kilometers into miles?"],
     ["How do I convert miles to kilometers?", "What's the formula to turn miles into kilometers?"]],
    [["What is the boiling point of water at sea level?", "At what temperature does water boil at sea level?", "What temperature does water boil at sea level?"],
     ["What is the freezing point of water?", "At what temperature does water freeze?"],
     ["What is the boiling point of water on Mount Everest?"]],
    [["How do I check if a key exists in a Python dictionary?", "How can I test whether a dict has a key in Python?"],
     ["How do I check if a value exists in a Python list?"],
     ["How do I check if a key exists in a JavaScript object?"]],
    [["What is the difference between a latte and a cappuccino?", "How is a cappuccino different from a latte?", "Latte vs cappuccino: what's the difference?"],
     ["What is the difference between an espresso and a ristretto?"]],
    [["How many days are in a leap year?", "How many days does a leap year have?"],
     ["How many days are in a regular year?"],
     ["How many weeks are in a leap year?"]],
    [["What is the speed of light?", "How fast does light travel?", "What's the speed of light in a vacuum?"],
     ["What is the speed of sound?", "How fast does sound travel in air?"]],
    [["Translate 'good morning' into Spanish", "How do you say good morning in Spanish?"],
     ["Translate 'good morning' into French", "How do you say good morning in French?"],
     ["Translate 'good night' into Spanish"]],
    [["How do I center a div in CSS?", "How can I center a div horizontally and vertically with CSS?"],
     ["How do I center text in CSS?"],
     ["How do I center a div in Tailwind?"]],
    [["What are the health benefits of green tea?", "Why is green tea good for you?", "Is green tea healthy?"],
     ["What are the side effects of green tea?"],
     ["What are the health benefits of black coffee?"]],
    [["How far is the Moon from the Earth?", "What is the distance between the Earth and the Moon?", "How many kilometers away is the Moon?"],
     ["How far is the Sun from the Earth?"],
     ["How far is Mars from the Earth?"]],
    [["Write a haiku about autumn", "Compose a haiku about the fall season"],
     ["Write a haiku about spring"],
     ["Write a limerick about autumn"]],
    [["Summarize the plot of Romeo and Juliet", "Give me a short summary of Romeo and Juliet"],
     ["Summarize the plot of Hamlet"],
     ["Who dies first in Romeo and Juliet?"]],
    [["How do I undo the last commit in git?", "How can I revert my most recent git commit?", "Undo last git commit"],
     ["How do I undo the last two commits in git?"],
     ["How do I view the last commit in git?"]],
    [["What is the population of Canada?", "How many people live in Canada?"],
     ["What is the population of Mexico?"],
     ["What is the area of Canada?"]],
    [["What is the fastest way to travel from London to Paris?", "What is the quickest way to get from London to Paris?"],
     ["What is the quickest way to get from Paris to London?"],
     ["What is the cheapest way to get from London to Paris?"]],
    [["How many ounces are in a pound?", "How many oz make up one lb?"],
     ["How many grams are in a pound?"],
     ["How many pounds are in a kilogram?"]],
    [["What causes earthquakes?", "Why do earthquakes happen?", "What is the cause of an earthquake?"],
     ["What causes tsunamis?"]],
    [["Can dogs eat grapes?", "Are grapes safe for dogs?", "Is it OK to give my dog grapes?"],
     ["Can cats eat grapes?"],
     ["Can dogs eat strawberries?"]],
    [["What is the tallest mountain in the world?", "Which mountain is the highest on Earth?", "What's the world's highest mountain?"],
     ["What is the tallest mountain in Africa?"],
     ["What is the deepest ocean trench in the world?"]],
    [["How do I install Node.js on Ubuntu?", "What's the way to set up Node.js on Ubuntu?"],
     ["How do I install Node.js on Windows?"],
     ["How do I uninstall Node.js on Ubuntu?"]],
    [["Why shouldn't I use eval in JavaScript?", "Why is eval considered bad in JavaScript?"],
     ["When should I use eval in JavaScript?"]],
    [["How many calories are in a banana?", "How many calories does a banana have?"],
     ["How many calories are in an apple?"],
     ["How much potassium is in a banana?"]],
    [["What is the chemical symbol for gold?", "Which element has the symbol Au?", "What's gold's symbol on the periodic table?"],
     ["What is the chemical symbol for silver?"],
     ["What is the atomic number of gold?"]],
    [["How do I read a CSV file in Python?", "How can I load a CSV file with Python?", "Read CSV in Python"],
     ["How do I write a CSV file in Python?"],
     ["How do I read a CSV file in R?"]],
    [["Is it safe to drink tap water in Japan?", "Can you drink the tap water in Japan?"],
     ["Is it safe to drink tap water in Mexico?"]],
    [["How do I lower my blood pressure naturally?", "What are natural ways to reduce high blood pressure?"],
     ["How do I raise my blood pressure naturally?"]],
    [["What time zone is New York in?", "Which time zone does New York City use?"],
     ["What time zone is Los Angeles in?"]],
    [["How do I convert a string to an integer in Java?", "How can I parse an int from a String in Java?"],
     ["How do I convert an integer to a string in Java?"],
     ["How do I convert a string to an integer in C#?"]],
    [["What does HTTP status 404 mean?", "What is a 404 error?", "What does a 404 response code mean?"],
     ["What does HTTP status 500 mean?"],
     ["What does HTTP status 403 mean?"]],
    [["How long does it take to walk 5 km?", "How many minutes to walk five kilometers?"],
     ["How long does it take to run 5 km?"],
     ["How long does it take to walk 10 km?"]],
    [["What is the best way to learn a new language?", "How can I learn a foreign language effectively?"],
     ["What is the fastest way to forget a language?"]],
    [["How do I remove duplicates from a list in Python?", "How can I deduplicate a Python list?"],
     ["How do I find duplicates in a list in Python?"]],
    [["Who was the first person to walk on the Moon?", "Who first walked on the Moon?", "Which astronaut stepped on the Moon first?"],
     ["Who was the second person to walk on the Moon?"],
     ["Who was the first person in space?"]],
    [["What is the square root of 144?", "What's the square root of 144?"],
     ["What is the square root of 169?"],
     ["What is 144 squared?"]],
    [["How do I stop my laptop from overheating?", "How can I keep my laptop from getting too hot?"],
     ["How do I stop my phone from overheating?"]],
    [["Recommend a good book for learning statistics", "What's a good book to learn statistics from?"],
     ["Recommend a good book for learning calculus"]],
    [["What is the difference between RAM and ROM?", "How does RAM differ from ROM?"],
     ["What is the difference between RAM and SSD storage?"]],
    [["Is a tomato a fruit or a vegetable?", "Are tomatoes fruits or vegetables?"],
     ["Is a cucumber a fruit or a vegetable?"]],
    [["How do I make cold brew coffee?", "What's the method for making cold brew coffee at home?"],
     ["How do I make iced tea?"]],
]

# Prompts sent a second time, word for word (exact hits).
REPEATS = ["What is the capital of Australia?", "How do I reverse a string in Python?", "Why is the sky blue?",
           "How do I delete a git branch?", "What is 15% of 80?", "Who wrote the novel 1984?", "Can dogs eat grapes?",
           "How do I read a CSV file in Python?", "What does HTTP status 404 mean?", "Is 97 a prime number?"]


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    rng = random.Random(seed)
    classes = []
    for g in GROUPS:
        for members in g:
            classes.append(list(members))
    queue = {i: list(c) for i, c in enumerate(classes)}
    for text in REPEATS:
        for i, c in enumerate(classes):
            if c[0] == text:
                queue[i].append(text)
    slots = [i for i, c in queue.items() for _ in c]
    rng.shuffle(slots)
    taken = {i: 0 for i in queue}
    lines = []
    for i in slots:
        lines.append(json.dumps({"prompt": queue[i][taken[i]], "class": f"own{i + 1}"}, ensure_ascii=False))
        taken[i] += 1
    out = Path(__file__).resolve().parent.parent / "workloads" / "own.jsonl"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{out}: {len(lines)} requests, {len(classes)} classes in {len(GROUPS)} groups")


if __name__ == "__main__":
    main()
