"""Template generator of hard pairs for the pair verifier (issue 15).

Every family builds pairs of chat-style prompts: hard negatives (swapped operands and roles, changed
numbers, units, entities, dates, time words, negation, direction, opposite qualifiers, another
programming language) and hard positives (other wording of the same request, synonyms, reordering
that keeps the meaning, politeness, punctuation and case).

Held-out split, for our own evaluation: each vocabulary is shuffled with the fixed seed and its last
~30 % is kept for evaluation only; each family's last surface forms (templates) are evaluation-only
as well; and a few whole families (HELD_OUT_FAMILIES) never appear in training. The training split
uses only training vocabulary and templates; the evaluation split uses only held-out vocabulary
and held-out templates (plus the held-out families), so a good evaluation figure needs
generalisation, not memory.

Usage: python generate_pairs.py OUT_DIR [--seed 15] [--train N] [--eval N]
Writes OUT_DIR/gen_train.jsonl and OUT_DIR/gen_eval.jsonl: {"a", "b", "label", "family"} a line.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SEED = 15


# ---------------------------------------------------------------------------------------------
# Vocabularies (split into train / held-out by the seed)
# ---------------------------------------------------------------------------------------------

CITIES = """Paris London Berlin Madrid Rome Tokyo Osaka Seoul Beijing Shanghai Mumbai Delhi Cairo Lagos
Nairobi Sydney Melbourne Toronto Vancouver Montreal Chicago Boston Seattle Denver Austin Miami Dallas
Houston Atlanta Phoenix Lisbon Porto Vienna Prague Warsaw Budapest Dublin Oslo Stockholm Helsinki
Copenhagen Amsterdam Brussels Zurich Geneva Munich Hamburg Milan Naples Athens Istanbul Dubai Doha
Bangkok Singapore Jakarta Manila Hanoi Lima Bogota Santiago Quito Havana Denver Portland Detroit
Edinburgh Glasgow Cardiff Belfast Krakow Seville Valencia Marseille Lyon Nice Florence Venice""".split()
CITIES = sorted(set(CITIES))

COUNTRIES = """France Germany Spain Italy Portugal Japan China India Brazil Argentina Chile Peru Mexico
Canada Australia Egypt Nigeria Kenya Ghana Morocco Turkey Greece Poland Sweden Norway Finland Denmark
Ireland Austria Switzerland Belgium Netherlands Hungary Romania Bulgaria Vietnam Thailand Indonesia
Malaysia Philippines Colombia Venezuela Cuba Iceland Ukraine Israel Iran Iraq Pakistan Nepal""".split()

PEOPLE = """Alice Bob Carol David Emma Frank Grace Henry Irene Jack Karen Liam Maria Noah Olivia Peter
Quinn Rachel Sam Tina Umar Victor Wendy Xavier Yara Zoe Ahmed Priya Chen Mateo Sofia Lucas Hana
Omar Ines Ravi Anya Tom Nina Felix""".split()

LANGS = """Python JavaScript TypeScript Java C# C++ Go Rust Swift Kotlin Ruby PHP Scala Haskell Perl R
Julia Lua Dart Elixir Clojure Bash PowerShell MATLAB Fortran COBOL Zig OCaml F# Erlang""".split()

HUMAN_LANGS = """English French German Spanish Italian Portuguese Japanese Chinese Korean Russian Arabic
Hindi Dutch Swedish Polish Turkish Greek Hebrew Vietnamese Thai Indonesian Czech""".split()

CURRENCIES = """dollars euros pounds yen rupees pesos francs kronor yuan won rubles reais""".split()

# (singular, plural) unit pairs grouped by dimension; conversions only within a dimension
UNITS = {
    "length": ["miles", "kilometers", "meters", "feet", "inches", "centimeters", "yards"],
    "mass": ["pounds", "kilograms", "grams", "ounces", "stones", "tons"],
    "volume": ["liters", "gallons", "cups", "milliliters", "quarts", "pints"],
    "temp": ["Celsius", "Fahrenheit", "Kelvin"],
    "time": ["seconds", "minutes", "hours", "days", "weeks"],
    "data": ["megabytes", "gigabytes", "kilobytes", "terabytes"],
}

# Coding tasks: several equivalent phrasings each (synonyms within a task are positives).
CODE_TASKS = [
    ["reverse a list", "reverse the order of a list", "flip a list around"],
    ["sort a list of numbers", "order a list of numbers", "put a list of numbers in order"],
    ["read a file line by line", "iterate over the lines of a file", "go through a file one line at a time"],
    ["convert a string to an integer", "parse an integer from a string", "turn a string into an int"],
    ["remove duplicates from a list", "deduplicate a list", "get rid of repeated items in a list"],
    ["check if a file exists", "test whether a file exists", "see if a file is there"],
    ["get the current date", "find today's date", "fetch the current date"],
    ["split a string by commas", "split a comma-separated string", "break a string apart at commas"],
    ["make an HTTP GET request", "send a GET request", "fetch a URL with GET"],
    ["parse JSON", "decode a JSON string", "read JSON data"],
    ["merge two dictionaries", "combine two dictionaries", "join two dicts into one"],
    ["find the length of a string", "get the number of characters in a string", "count the characters in a string"],
    ["generate a random number", "produce a random number", "get a random number"],
    ["create a new thread", "start a thread", "spawn a thread"],
    ["write text to a file", "save a string to a file", "output text into a file"],
    ["check if a string contains a substring", "test whether a string includes a substring",
     "see if one string is inside another"],
    ["round a number to two decimals", "round a float to 2 decimal places", "format a number with two decimals"],
    ["convert a list to a string", "join a list into a string", "turn a list into a string"],
    ["get the last element of an array", "access the final item of an array", "read the last item in an array"],
    ["catch an exception", "handle an exception", "deal with a thrown exception"],
    ["define a class", "declare a class", "write a class"],
    ["loop over a dictionary", "iterate through a dictionary", "go over each entry of a dictionary"],
    ["convert a string to lowercase", "make a string lowercase", "lowercase a string"],
    ["count the words in a string", "find how many words a string has", "get the word count of a string"],
    ["sleep for one second", "pause execution for a second", "wait one second"],
    ["copy a file", "duplicate a file", "make a copy of a file"],
    ["list the files in a directory", "get all files in a folder", "show the contents of a directory"],
    ["trim whitespace from a string", "strip spaces from the ends of a string", "remove leading and trailing whitespace"],
    ["compute the average of a list", "find the mean of a list", "calculate the average of a list of numbers"],
    ["flatten a nested list", "turn a list of lists into one list", "flatten a list of lists"],
]

# Related-but-different concept pairs (entity hard negatives) and definition topics.
CONCEPT_PAIRS = [
    ("TCP", "UDP"), ("mitosis", "meiosis"), ("a virus", "a bacterium"), ("weather", "climate"),
    ("RAM", "ROM"), ("an alligator", "a crocodile"), ("a stock", "a bond"), ("HTTP", "HTTPS"),
    ("socialism", "communism"), ("a comet", "an asteroid"), ("affect", "effect"), ("DNA", "RNA"),
    ("a lake", "a pond"), ("a tornado", "a hurricane"), ("Git", "GitHub"), ("latitude", "longitude"),
    ("speed", "velocity"), ("a simile", "a metaphor"), ("baking soda", "baking powder"),
    ("an LLC", "a corporation"), ("a Roth IRA", "a traditional IRA"), ("SQL", "NoSQL"),
    ("machine learning", "deep learning"), ("a debit card", "a credit card"), ("AC", "DC"),
    ("an emu", "an ostrich"), ("a rabbit", "a hare"), ("a democracy", "a republic"),
    ("a CPU", "a GPU"), ("a compiler", "an interpreter"), ("a process", "a thread"),
    ("Docker", "Kubernetes"), ("React", "Angular"), ("mass", "weight"), ("empathy", "sympathy"),
    ("a psychologist", "a psychiatrist"), ("a lawyer", "an attorney general"), ("the flu", "a cold"),
    ("a butterfly", "a moth"), ("an LED", "an LCD"), ("IPv4", "IPv6"), ("stocks", "crypto"),
]

PRODUCTS = """laptop phone tablet camera headphones monitor keyboard bicycle car vacuum blender
printer television smartwatch router microwave mattress sofa""".split()

FOODS = """chocolate grapes onions garlic apples carrots cheese avocado bananas rice bread eggs
peanuts blueberries watermelon salmon""".split()

ANIMALS = """dogs cats rabbits parrots hamsters horses goldfish turtles ferrets chickens""".split()

TOPICS = """a birthday party, a team meeting, a blog post, a startup, a wedding speech, a science fair,
a podcast, a vacation, a fundraiser, a marketing campaign, a mobile app, a short story, a garden,
a workout plan, a dinner menu, a coffee shop, a YouTube channel, a board game, a study plan""".split(",")
TOPICS = [t.strip() for t in TOPICS]

ROLES = """a teacher, a student, a landlord, a tenant, a manager, an employee, a customer, a supplier,
a doctor, a patient, a coach, a player, a parent, a child, a client, a lawyer, a buyer, a seller,
an editor, an author""".split(",")
ROLES = [r.strip() for r in ROLES]

EVENTS = """World Cup, Super Bowl, Tour de France, Nobel Peace Prize, Oscar for Best Picture,
Eurovision Song Contest, Wimbledon final, NBA championship, Stanley Cup, Ballon d'Or""".split(",")
EVENTS = [e.strip() for e in EVENTS]

MONTHS = """January February March April May June July August September October November December""".split()

ACCOUNTS = ["savings", "checking", "my credit card", "PayPal", "my brokerage account", "my joint account"]


def split_vocab(rng: random.Random, items: list, frac_eval: float = 0.3) -> tuple[list, list]:
    items = list(items)
    rng.shuffle(items)
    k = max(2, int(round(len(items) * frac_eval)))
    return items[:-k], items[-k:]


class Vocab:
    """Training and held-out halves of every vocabulary."""

    def __init__(self, seed: int):
        rng = random.Random(seed * 7919 + 1)
        self.parts: dict[str, tuple[list, list]] = {}
        for name, items in [
            ("city", CITIES), ("country", COUNTRIES), ("person", PEOPLE), ("lang", LANGS),
            ("hlang", HUMAN_LANGS), ("currency", CURRENCIES), ("task", CODE_TASKS),
            ("concept", CONCEPT_PAIRS), ("product", PRODUCTS), ("food", FOODS), ("animal", ANIMALS),
            ("topic", TOPICS), ("role", ROLES), ("event", EVENTS), ("account", ACCOUNTS),
        ]:
            self.parts[name] = split_vocab(rng, items)
        self.units = {dim: split_vocab(rng, us, 0.34) for dim, us in UNITS.items()}

    def get(self, name: str, held: bool) -> list:
        return self.parts[name][1 if held else 0]


# ---------------------------------------------------------------------------------------------
# Surface noise: politeness, punctuation, case (applied to both labels so it is no shortcut)
# ---------------------------------------------------------------------------------------------

PREFIXES_TRAIN = ["", "", "", "Please ", "Hey, ", "Quick question: ", "Can you tell me: ", "Hi! ",
                  "I was wondering, ", "Help me out: "]
PREFIXES_HELD = ["", "", "Hello there, ", "Excuse me, ", "Question for you: ", "Yo, "]
SUFFIXES_TRAIN = ["", "", "", " Thanks!", " Thank you.", " please", " Thanks in advance."]
SUFFIXES_HELD = ["", "", " Cheers!", " Much appreciated.", " ty"]


def noise(rng: random.Random, s: str, held: bool, strength: float = 0.5) -> str:
    if rng.random() > strength:
        return s
    prefixes = PREFIXES_HELD if held else PREFIXES_TRAIN
    suffixes = SUFFIXES_HELD if held else SUFFIXES_TRAIN
    p = rng.choice(prefixes)
    if p and s and s[0].isupper() and not s.split()[0] in LANGS + CITIES + PEOPLE + COUNTRIES:
        if not s[:2].isupper():
            s = s[0].lower() + s[1:]
    s = p + s + rng.choice(suffixes)
    r = rng.random()
    if r < 0.15:
        s = s.lower()
    elif r < 0.25:
        s = s.rstrip("?.!")
    elif r < 0.32:
        s = s.rstrip("?.!") + "??"
    elif r < 0.36:
        s = s.upper()
    return s


# ---------------------------------------------------------------------------------------------
# Families. Each returns (a, b, label). `held` selects vocabulary and templates.
# A family's `forms` are lists of surface forms; the last one or two are held-out templates.
# ---------------------------------------------------------------------------------------------

def pick_forms(forms: list, held: bool, n_held: int = 2) -> list:
    return forms[-n_held:] if held else forms[:-n_held]


def num(rng: random.Random, lo: int = 2, hi: int = 99) -> int:
    return rng.randint(lo, hi)


def two_distinct(rng, pool):
    a, b = rng.sample(pool, 2)
    return a, b


def changed_number(rng, x: int) -> int:
    choices = [x + 1, x - 1, x * 10, x + rng.randint(2, 9), max(1, x // 2), int(str(x)[::-1]) if x > 9 else x + 3]
    y = rng.choice([c for c in choices if c != x and c > 0] or [x + 1])
    return y


ARITH_ORDERED = {
    "div": ["What is {x} divided by {y}?", "What's {x}/{y}?", "Calculate {x} divided by {y}",
            "How much is {x} divided by {y}?", "Divide {x} by {y}", "{x} / {y} = ?",
            "What do you get if you divide {x} by {y}?", "Compute {x} over {y}",
            "what is {x} divided by {y}", "Tell me {x} divided by {y}"],
    "sub": ["Subtract {y} from {x}", "What is {x} minus {y}?", "What's {x} - {y}?", "Calculate {x} minus {y}",
            "Take {y} away from {x}", "How much is {x} minus {y}?", "{x} - {y} = ?", "Compute {x} take away {y}",
            "What do you get when you subtract {y} from {x}?", "What remains if you take {y} from {x}?"],
    "pow": ["What is {x} to the power of {y}?", "Calculate {x}^{y}", "What's {x} raised to the {y}th power?",
            "{x} to the power of {y}", "Compute {x} ** {y}", "What is {x} raised to the power {y}?",
            "How much is {x} to the {y}th power?", "Evaluate {x}^{y}",
            "What do you get raising {x} to the power of {y}?", "What is {x} exponent {y}?"],
    "mod": ["What is {x} mod {y}?", "What's the remainder of {x} divided by {y}?", "Compute {x} modulo {y}",
            "{x} % {y} = ?", "What is the remainder when {x} is divided by {y}?", "Find {x} mod {y}",
            "Calculate the remainder of {x} / {y}", "What's left over when you divide {x} by {y}?"],
    "pct": ["What percentage of {y} is {x}?", "{x} is what percent of {y}?", "What percent is {x} out of {y}?",
            "Express {x} as a percentage of {y}", "How many percent of {y} is {x}?",
            "Calculate {x} as a percent of {y}", "What share of {y} is {x}, in percent?"],
    "log": ["What is the log base {y} of {x}?", "Compute log base {y} of {x}", "What's log_{y}({x})?",
            "Calculate the base-{y} logarithm of {x}", "Find the logarithm of {x} to base {y}",
            "What is the base {y} log of {x}?"],
}
ARITH_COMMUTATIVE = {
    "add": ["What is {x} plus {y}?", "What's {x} + {y}?", "Add {x} and {y}", "Calculate {x} plus {y}",
            "What is the sum of {x} and {y}?", "How much is {x} plus {y}?", "{x} + {y} = ?",
            "Add {x} to {y}", "Compute the sum of {x} and {y}"],
    "mul": ["What is {x} times {y}?", "What's {x} * {y}?", "Multiply {x} by {y}", "Calculate {x} times {y}",
            "What is {x} multiplied by {y}?", "How much is {x} times {y}?", "{x} x {y} = ?",
            "What is the product of {x} and {y}?", "Compute {x} multiplied by {y}"],
}


def fam_arith(rng, v, held):
    if rng.random() < 0.75:
        op = rng.choice(list(ARITH_ORDERED))
        forms = pick_forms(ARITH_ORDERED[op], held)
        x, y = num(rng, 2, 60), num(rng, 2, 60)
        while y == x:
            y = num(rng, 2, 60)
        fa, fb = rng.choice(forms), rng.choice(forms)
        a = fa.format(x=x, y=y)
        r = rng.random()
        if r < 0.45:
            return a, fb.format(x=x, y=y), 1
        if r < 0.8:
            return a, fb.format(x=y, y=x), 0
        return a, fb.format(x=x, y=changed_number(rng, y)) if rng.random() < 0.5 else fb.format(x=changed_number(rng, x), y=y), 0
    op = rng.choice(list(ARITH_COMMUTATIVE))
    forms = pick_forms(ARITH_COMMUTATIVE[op], held)
    x, y = num(rng), num(rng)
    fa, fb = rng.choice(forms), rng.choice(forms)
    r = rng.random()
    if r < 0.5:
        return fa.format(x=x, y=y), fb.format(x=y, y=x) if rng.random() < 0.5 else fb.format(x=x, y=y), 1
    if r < 0.8:
        return fa.format(x=x, y=y), fb.format(x=x, y=changed_number(rng, y)), 0
    other = "mul" if op == "add" else "add"
    return fa.format(x=x, y=y), rng.choice(pick_forms(ARITH_COMMUTATIVE[other], held)).format(x=x, y=y), 0


BOOKING = [
    "Book a table for {n} at {t} pm", "Reserve a table for {n} people at {t} pm",
    "Can I get a table for {n} at {t} pm?", "I need a reservation for {n} at {t} pm",
    "Make a dinner reservation for {n} at {t} pm", "Table for {n} at {t} pm, please",
    "Get me a table for {n} people at {t} in the evening", "Please book dinner for {n} guests at {t} pm",
    "Could you reserve a table at {t} pm for {n}?", "Set up a booking for {n} at {t} pm",
]
ALARMS = [
    "Set an alarm for {t} {ap}", "Wake me up at {t} {ap}", "Set my alarm to {t} {ap}",
    "Can you set an alarm at {t} {ap}?", "Alarm for {t} {ap} please", "Create an alarm for {t} {ap}",
    "I need an alarm at {t} {ap}", "Schedule an alarm for {t} {ap}",
]
REMINDERS = [
    "Remind me to {act} in {n} {u}", "Set a reminder to {act} in {n} {u}", "In {n} {u}, remind me to {act}",
    "Can you remind me to {act} in {n} {u}?", "Ping me in {n} {u} to {act}", "Give me a reminder in {n} {u} to {act}",
    "Don't let me forget to {act} in {n} {u}", "Nudge me to {act} in {n} {u}",
]
ACTS_TRAIN = ["call mom", "take my medicine", "check the oven", "water the plants", "send the report",
              "feed the cat", "stretch", "move the car", "join the meeting", "buy milk"]
ACTS_HELD = ["pay the rent", "email Sarah", "walk the dog", "pick up the kids"]


def fam_booking(rng, v, held):
    r0 = rng.random()
    if r0 < 0.45:
        forms = pick_forms(BOOKING, held)
        n, t = rng.randint(2, 12), rng.randint(1, 11)
        while t == n:
            t = rng.randint(1, 11)
        a = rng.choice(forms).format(n=n, t=t)
        fb = rng.choice(forms)
        r = rng.random()
        if r < 0.45:
            return a, fb.format(n=n, t=t), 1
        if r < 0.8:
            return a, fb.format(n=t, t=n), 0
        return a, fb.format(n=n, t=t % 11 + 1) if rng.random() < 0.5 else fb.format(n=n + 1, t=t), 0
    if r0 < 0.7:
        forms = pick_forms(ALARMS, held)
        t = rng.choice([f"{h}" for h in range(1, 13)] + [f"{h}:{m:02d}" for h in range(1, 13) for m in (15, 30, 45)])
        ap = rng.choice(["am", "pm"])
        a = rng.choice(forms).format(t=t, ap=ap)
        fb = rng.choice(forms)
        r = rng.random()
        if r < 0.5:
            return a, fb.format(t=t, ap=ap), 1
        if r < 0.75:
            return a, fb.format(t=t, ap="pm" if ap == "am" else "am"), 0
        h = int(t.split(":")[0])
        t2 = str(h % 12 + 1) + (t[len(str(h)):] if ":" in t else "")
        return a, fb.format(t=t2, ap=ap), 0
    forms = pick_forms(REMINDERS, held)
    acts = ACTS_HELD if held else ACTS_TRAIN
    act = rng.choice(acts)
    n = rng.randint(2, 45)
    u = rng.choice(["minutes", "hours", "days"])
    a = rng.choice(forms).format(act=act, n=n, u=u)
    fb = rng.choice(forms)
    r = rng.random()
    if r < 0.45:
        return a, fb.format(act=act, n=n, u=u), 1
    if r < 0.65:
        return a, fb.format(act=act, n=n, u=rng.choice([x for x in ["minutes", "hours", "days"] if x != u])), 0
    if r < 0.85:
        return a, fb.format(act=act, n=changed_number(rng, n), u=u), 0
    return a, fb.format(act=rng.choice([x for x in acts if x != act]), n=n, u=u), 0


TIME_PAIRS = [("today", "tomorrow"), ("today", "yesterday"), ("this week", "next week"),
              ("this week", "last week"), ("this weekend", "next weekend"), ("tonight", "tomorrow night"),
              ("this month", "last month"), ("this month", "next month"), ("this year", "last year"),
              ("this morning", "this evening"), ("right now", "tomorrow morning")]
WEATHER = ["What's the weather in {c} {w}?", "What is the weather like in {c} {w}?", "How is the weather in {c} {w}?",
           "Weather forecast for {c} {w}", "Will it rain in {c} {w}?", "Is it going to be sunny in {c} {w}?",
           "Tell me the weather in {c} {w}", "{c} weather {w}", "Do I need an umbrella in {c} {w}?",
           "How hot will it be in {c} {w}?"]
RAIN_SAME = {"Will it rain in {c} {w}?": "Is rain expected in {c} {w}?"}
SPEND = ["What did I spend {w}?", "How much did I spend {w}?", "Show my spending {w}", "What were my expenses {w}?",
         "Summarize my purchases {w}", "How much money went out {w}?", "List my transactions {w}",
         "Give me a breakdown of my spending {w}", "Total spent {w}?", "Where did my money go {w}?"]
CALENDAR = ["What meetings do I have {w}?", "Show my calendar for {w}", "What's on my schedule {w}?",
            "Am I free {w}?", "List my appointments {w}", "Do I have anything planned {w}?",
            "What events are on my calendar {w}?", "Check my agenda {w}"]
NEWS = ["What are the top headlines {w}?", "Show me the news from {w}", "Latest news {w}",
        "What happened in the world {w}?", "Give me {w}'s headlines", "Summarize the news {w}"]


def fam_time(rng, v, held):
    kind = rng.random()
    if kind < 0.4:
        forms, needs_city = WEATHER, True
    elif kind < 0.65:
        forms, needs_city = SPEND, False
    elif kind < 0.9:
        forms, needs_city = CALENDAR, False
    else:
        forms, needs_city = NEWS, False
    forms = pick_forms(forms, held, 2 if len(forms) > 6 else 1)
    tp = rng.choice(TIME_PAIRS)
    if forms is NEWS or "{w}'s" in "".join(forms):
        tp = rng.choice([("today", "yesterday"), ("this week", "last week")])
    w1, w2 = (tp if rng.random() < 0.5 else tp[::-1])
    c = rng.choice(v.get("city", held))
    fa, fb = rng.choice(forms), rng.choice(forms)
    a = fa.format(c=c, w=w1)
    r = rng.random()
    if r < 0.45:
        return a, fb.format(c=c, w=w1), 1
    if r < 0.85 or not needs_city:
        return a, fb.format(c=c, w=w2), 0
    c2 = rng.choice([x for x in v.get("city", held) if x != c])
    return a, fb.format(c=c2, w=w1), 0


HOWTO_TRAIN = ["How do I {t} in {l}?", "How can I {t} in {l}?", "What's the way to {t} in {l}?",
               "What is the best way to {t} in {l}?", "In {l}, how do I {t}?", "How would I {t} in {l}?",
               "Is there a way to {t} in {l}?", "Show me how to {t} in {l}", "How to {t} in {l}",
               "{T} in {l}", "What is the {l} code to {t}?", "Can you show me how to {t} using {l}?",
               "Write {l} code to {t}"]
HOWTO_HELD = ["How should I {t} in {l}?", "Using {l}, how can I {t}?", "Explain how to {t} with {l}",
              "What's the idiomatic way to {t} in {l}?", "I want to {t} in {l}. How?"]


def cap(s):
    return s[0].upper() + s[1:]


def fam_code(rng, v, held):
    forms = HOWTO_HELD + HOWTO_TRAIN[:3] if held else HOWTO_TRAIN
    tasks = v.get("task", held)
    langs = v.get("lang", held)
    task = rng.choice(tasks)
    l = rng.choice(langs)
    t1 = rng.choice(task)

    def f(form, t, l):
        return form.format(t=t, T=cap(t), l=l)

    a = f(rng.choice(forms), t1, l)
    r = rng.random()
    if r < 0.5:
        return a, f(rng.choice(forms), rng.choice(task), l), 1
    if r < 0.8:
        l2 = rng.choice([x for x in langs if x != l])
        return a, f(rng.choice(forms), rng.choice(task), l2), 0
    other = rng.choice([x for x in tasks if x is not task])
    return a, f(rng.choice(forms), rng.choice(other), l), 0


DIRECTION = [
    ("sort a list in ascending order", "sort a list in descending order"),
    ("convert uppercase to lowercase", "convert lowercase to uppercase"),
    ("encrypt a file", "decrypt a file"), ("upload a file to S3", "download a file from S3"),
    ("import a CSV into a database", "export a database to CSV"), ("enable dark mode", "disable dark mode"),
    ("increase the font size", "decrease the font size"), ("zoom in", "zoom out"),
    ("add a user to a group", "remove a user from a group"), ("compress a folder", "extract a folder"),
    ("convert JSON to XML", "convert XML to JSON"), ("turn on notifications", "turn off notifications"),
    ("start the server", "stop the server"), ("lock the screen", "unlock the screen"),
    ("serialize an object", "deserialize an object"), ("push changes to the remote", "pull changes from the remote"),
    ("encode a URL", "decode a URL"), ("mute the microphone", "unmute the microphone"),
    ("show hidden files", "hide files"), ("round up a number", "round down a number"),
    ("scroll to the top of the page", "scroll to the bottom of the page"),
    ("convert a PDF to Word", "convert a Word document to PDF"),
    ("move a column to the left", "move a column to the right"), ("merge cells", "split cells"),
    ("speed up a video", "slow down a video"), ("raise my credit limit", "lower my credit limit"),
]
DIRECTION_FORMS_TRAIN = ["How do I {x}?", "How can I {x}?", "What's the way to {x}?", "Steps to {x}",
                         "Help me {x}", "Is it possible to {x}?", "Tell me how to {x}"]
DIRECTION_FORMS_HELD = ["What is the easiest way to {x}?", "Could you explain how to {x}?"]

QUALIFIERS = [
    ("cheapest", "most expensive"), ("fastest", "slowest"), ("largest", "smallest"), ("best", "worst"),
    ("oldest", "newest"), ("tallest", "shortest"), ("most popular", "least popular"), ("hottest", "coldest"),
    ("safest", "most dangerous"), ("healthiest", "unhealthiest"), ("longest", "shortest"),
    ("richest", "poorest"), ("easiest", "hardest"), ("lightest", "heaviest"),
]
QUAL_FORMS_TRAIN = ["What is the {q} {p} you can buy?", "Which {p} is the {q} on the market?",
                    "Name the {q} {p} available", "Recommend the {q} {p}", "What's the {q} {p} right now?",
                    "Tell me the {q} {p} out there"]
QUAL_FORMS_HELD = ["Which {p} would you say is the {q}?", "Find me the {q} {p}"]
PLACE_QUAL = ["What is the {q} city in {k}?", "Which city in {k} is the {q}?", "Name the {q} city of {k}",
              "{k}'s {q} city?", "Tell me which city is the {q} in {k}"]


def fam_direction(rng, v, held):
    if rng.random() < 0.55:
        forms = DIRECTION_FORMS_HELD if held else DIRECTION_FORMS_TRAIN
        pairs = DIRECTION[-7:] if held else DIRECTION[:-7]
        x, y = rng.choice(pairs)
        if rng.random() < 0.5:
            x, y = y, x
        a = rng.choice(forms).format(x=x)
        if rng.random() < 0.45:
            return a, rng.choice(forms).format(x=x), 1
        return a, rng.choice(forms).format(x=y), 0
    quals = QUALIFIERS[-4:] if held else QUALIFIERS[:-4]
    q1, q2 = rng.choice(quals)
    if rng.random() < 0.5:
        q1, q2 = q2, q1
    if rng.random() < 0.5:
        forms = QUAL_FORMS_HELD if held else QUAL_FORMS_TRAIN
        p = rng.choice(v.get("product", held))
        fa, fb = rng.choice(forms), rng.choice(forms)
        a = fa.format(q=q1, p=p)
        if rng.random() < 0.45:
            return a, fb.format(q=q1, p=p), 1
        return a, fb.format(q=q2, p=p), 0
    forms = pick_forms(PLACE_QUAL, held, 1)
    k = rng.choice(v.get("country", held))
    a = rng.choice(forms).format(q=q1, k=k)
    r = rng.random()
    if r < 0.45:
        return a, rng.choice(forms).format(q=q1, k=k), 1
    if r < 0.8:
        return a, rng.choice(forms).format(q=q2, k=k), 0
    return a, rng.choice(forms).format(q=q1, k=rng.choice([c for c in v.get("country", held) if c != k])), 0


NEG_TEMPLATES = [
    ("Which {f} are safe for {an} to eat?", "Which {f} are not safe for {an} to eat?",
     "What {f} can {an} safely eat?"),
    ("Can {an} eat {f}?", "Can't {an} eat {f}?", "Is it okay for {an} to eat {f}?"),
    ("Is it safe to give {f} to {an}?", "Is it dangerous to give {f} to {an}?", "Can I safely feed {an} {f}?"),
    ("Why does my {l} code compile?", "Why doesn't my {l} code compile?", "How come my {l} code compiles?"),
    ("Should I use {l} for my next project?", "Should I avoid {l} for my next project?",
     "Is {l} a good choice for my next project?"),
    ("List countries that use the euro", "List countries that don't use the euro",
     "Which countries have the euro as currency?"),
    ("What foods contain gluten?", "What foods are gluten-free?", "Which foods have gluten in them?"),
    ("Why is my {pr} turning on by itself?", "Why is my {pr} not turning on?",
     "How come my {pr} switches on by itself?"),
    ("Is {k} in the European Union?", "Is {k} outside the European Union?", "Is {k} an EU member?"),
    ("Things to do in {c} when it is raining", "Things to do in {c} when it is not raining",
     "What can I do in {c} on a rainy day?"),
    ("Does {l} support multiple inheritance?", "Does {l} not support multiple inheritance?",
     "Can a class in {l} inherit from several classes?"),
    ("Which vitamins should I take with food?", "Which vitamins should I take without food?",
     "What vitamins are best taken with a meal?"),
    ("Is it legal to drive with headphones in {k}?", "Is it illegal to drive with headphones in {k}?",
     "Can you legally drive wearing headphones in {k}?"),
    ("Why do {an} like being petted?", "Why do {an} dislike being petted?", "How come {an} enjoy being petted?"),
    ("When should I water succulents?", "When should I not water succulents?", "What is the right time to water succulents?"),
    ("What happens if I take ibuprofen with alcohol?", "What happens if I take ibuprofen without alcohol?",
     "Is it bad to mix ibuprofen and alcohol?"),
]


def fam_negation(rng, v, held):
    temps = NEG_TEMPLATES[-4:] if held else NEG_TEMPLATES[:-4]
    pos_t, neg_t, para_t = rng.choice(temps)
    slots = dict(f=rng.choice(v.get("food", held)), an=rng.choice(v.get("animal", held)),
                 l=rng.choice(v.get("lang", held)), pr=rng.choice(v.get("product", held)),
                 k=rng.choice(v.get("country", held)), c=rng.choice(v.get("city", held)))
    a, n, p = (t.format(**slots) for t in (pos_t, neg_t, para_t))
    r = rng.random()
    if r < 0.3:
        return a, p, 1
    if r < 0.45:
        return p, a, 1
    if r < 0.75:
        return a, n, 0
    return n, p, 0


ROLE_FORMS = [
    ("Write an email from {r1} to {r2} about {topic}", "Write an email to {r2} from {r1} about {topic}"),
    ("Draft a letter from {r1} to {r2} about {topic}", "Draft a letter to {r2} written by {r1} about {topic}"),
    ("Write a message {r1} could send to {r2} about {topic}", "Compose a note for {r1} to send {r2} about {topic}"),
    ("Give me tips for {r1} talking to {r2} about {topic}", "Advice for {r1} who has to talk to {r2} about {topic}"),
    ("How should {r1} apologize to {r2} for {topic}?", "What's a good way for {r1} to say sorry to {r2} for {topic}?"),
]
ROLE_TOPICS_TRAIN = ["a late payment", "a missed deadline", "the new schedule", "a noise complaint",
                     "a price increase", "a broken promise", "the holiday plans"]
ROLE_TOPICS_HELD = ["a damaged package", "an unexpected absence", "the contract renewal"]
TRANSFER = ["Transfer ${n} from {a1} to {a2}", "Move ${n} from {a1} into {a2}", "Send ${n} from {a1} to {a2}",
            "Put ${n} from {a1} into {a2}", "I want to move ${n} out of {a1} and into {a2}",
            "Shift ${n} from {a1} over to {a2}", "Can you transfer ${n} to {a2} from {a1}?"]
TRANSLATE = ["Translate '{ph}' from {h1} to {h2}", "How do you say '{ph}' in {h2}? It's {h1}",
             "Translate this {h1} phrase into {h2}: '{ph}'", "What is '{ph}' ({h1}) in {h2}?",
             "{h1} to {h2}: '{ph}'", "Please translate '{ph}' from {h1} into {h2}"]
PHRASES_TRAIN = ["good morning", "where is the station", "thank you very much", "I am hungry",
                 "see you tomorrow", "how much does it cost", "happy birthday"]
PHRASES_HELD = ["I love you", "the bill, please", "nice to meet you"]
FLIGHTS = ["Find flights from {c1} to {c2}", "Cheap flights from {c1} to {c2}", "Flights to {c2} from {c1}",
           "How long is the flight from {c1} to {c2}?", "Book a flight from {c1} to {c2}",
           "I need to fly from {c1} to {c2}", "Show me trains from {c1} to {c2}",
           "What's the fastest way to get from {c1} to {c2}?", "Plan a road trip from {c1} to {c2}"]
FLIGHT_SAME_MEANING = {  # first form → forms that keep the meaning
    0: [0, 2, 5], 1: [1], 2: [0, 2, 5], 3: [3], 4: [4, 5], 5: [0, 2, 4, 5], 6: [6], 7: [7], 8: [8]}
COMPARE = ["Is {x} bigger than {y}?", "Is {x} larger than {y}?", "Is {x} more populous than {y}?",
           "Why is {x} better than {y}?", "Is {x} older than {y}?", "Is {x} richer than {y}?"]
COMPARE_SYM = ["What's the difference between {x} and {y}?", "{x} vs {y}", "Compare {x} and {y}",
               "How do {x} and {y} differ?", "{x} or {y}: which should I choose?", "Differences between {x} and {y}"]
MATCH = ["Who won the match between {p1} and {p2}?", "Did {p1} beat {p2}?", "Did {p1} lose to {p2}?",
         "Who scored more, {p1} or {p2}?"]


def fam_roles(rng, v, held):
    r0 = rng.random()
    if r0 < 0.2:
        forms = ROLE_FORMS[-1:] if held else ROLE_FORMS[:-1]
        fa, fb = rng.choice(forms)
        r1, r2 = two_distinct(rng, v.get("role", held))
        topic = rng.choice(ROLE_TOPICS_HELD if held else ROLE_TOPICS_TRAIN)
        a = fa.format(r1=r1, r2=r2, topic=topic)
        r = rng.random()
        if r < 0.45:
            return a, fb.format(r1=r1, r2=r2, topic=topic), 1
        if r < 0.85:
            return a, (fb if rng.random() < 0.5 else fa).format(r1=r2, r2=r1, topic=topic), 0
        r3 = rng.choice([x for x in v.get("role", held) if x not in (r1, r2)])
        return a, fb.format(r1=r1, r2=r3, topic=topic), 0
    if r0 < 0.35:
        forms = pick_forms(TRANSFER, held, 2)
        a1, a2 = two_distinct(rng, v.get("account", held) if not held else ACCOUNTS)
        n = rng.choice([20, 50, 75, 100, 150, 200, 250, 300, 500, 1000])
        a = rng.choice(forms).format(n=n, a1=a1, a2=a2)
        r = rng.random()
        if r < 0.45:
            return a, rng.choice(forms).format(n=n, a1=a1, a2=a2), 1
        if r < 0.8:
            return a, rng.choice(forms).format(n=n, a1=a2, a2=a1), 0
        return a, rng.choice(forms).format(n=changed_number(rng, n), a1=a1, a2=a2), 0
    if r0 < 0.5:
        forms = pick_forms(TRANSLATE, held, 2)
        h1, h2 = two_distinct(rng, v.get("hlang", held))
        ph = rng.choice(PHRASES_HELD if held else PHRASES_TRAIN)
        a = rng.choice(forms).format(ph=ph, h1=h1, h2=h2)
        r = rng.random()
        if r < 0.45:
            return a, rng.choice(forms).format(ph=ph, h1=h1, h2=h2), 1
        if r < 0.8:
            return a, rng.choice(forms).format(ph=ph, h1=h2, h2=h1), 0
        h3 = rng.choice([x for x in v.get("hlang", held) if x not in (h1, h2)])
        return a, rng.choice(forms).format(ph=ph, h1=h1, h2=h3), 0
    if r0 < 0.72:
        idx = list(range(len(FLIGHTS)))
        idx = idx[-2:] if held else idx[:-2]
        i = rng.choice(idx)
        c1, c2 = two_distinct(rng, v.get("city", held))
        a = FLIGHTS[i].format(c1=c1, c2=c2)
        same = [j for j in FLIGHT_SAME_MEANING[i] if j in idx] or [i]
        r = rng.random()
        if r < 0.45:
            return a, FLIGHTS[rng.choice(same)].format(c1=c1, c2=c2), 1
        if r < 0.8:
            return a, FLIGHTS[rng.choice(same)].format(c1=c2, c2=c1), 0
        c3 = rng.choice([x for x in v.get("city", held) if x not in (c1, c2)])
        return a, FLIGHTS[rng.choice(same)].format(c1=c1, c2=c3), 0
    if r0 < 0.88:
        pool = v.get("city", held) + v.get("country", held)
        x, y = two_distinct(rng, pool)
        if rng.random() < 0.5:
            f = rng.choice(pick_forms(COMPARE, held, 2))
            a = f.format(x=x, y=y)
            r = rng.random()
            if r < 0.3:
                return a, noise(rng, a, held, 1.0), 1
            return a, f.format(x=y, y=x), 0
        forms = pick_forms(COMPARE_SYM, held, 2)
        a = rng.choice(forms).format(x=x, y=y)
        r = rng.random()
        if r < 0.6:
            return a, rng.choice(forms).format(x=y, y=x) if rng.random() < 0.5 else rng.choice(forms).format(x=x, y=y), 1
        z = rng.choice([p for p in pool if p not in (x, y)])
        return a, rng.choice(forms).format(x=x, y=z), 0
    forms = pick_forms(MATCH, held, 1)
    p1, p2 = two_distinct(rng, v.get("country", held))
    f = rng.choice(forms)
    a = f.format(p1=p1, p2=p2)
    if f.startswith("Who"):  # symmetric questions
        if rng.random() < 0.5:
            return a, f.format(p1=p2, p2=p1), 1
        p3 = rng.choice([x for x in v.get("country", held) if x not in (p1, p2)])
        return a, f.format(p1=p1, p2=p3), 0
    if rng.random() < 0.3:
        return a, noise(rng, a, held, 1.0), 1
    return a, f.format(p1=p2, p2=p1), 0


UNIT_FORMS = ["Convert {n} {u1} to {u2}", "How many {u2} is {n} {u1}?", "What is {n} {u1} in {u2}?",
              "{n} {u1} to {u2}", "Change {n} {u1} into {u2}", "How much is {n} {u1} in {u2}?",
              "What's {n} {u1} expressed in {u2}?", "Turn {n} {u1} into {u2}"]
UNIT_PER = ["How many {u2} are in a {s1}?", "How many {u2} make up one {s1}?", "Number of {u2} in a {s1}?",
            "How many {u2} per {s1}?"]


def singular(u):
    return {"Celsius": "degree Celsius", "Fahrenheit": "degree Fahrenheit", "Kelvin": "kelvin",
            "inches": "inch", "feet": "foot"}.get(u, u[:-1] if u.endswith("s") else u)


def fam_units(rng, v, held):
    dims = list(UNITS)
    dim = rng.choice([d for d in dims if len(v.units[d][1 if held else 0]) >= 2] or ["length"])
    units = v.units[dim][1 if held else 0]
    if len(units) < 2:
        units = UNITS[dim]
    u1, u2 = two_distinct(rng, units)
    if rng.random() < 0.75:
        forms = pick_forms(UNIT_FORMS, held, 2)
        n = rng.choice([1, 2, 3, 5, 10, 12, 20, 25, 50, 100, 3.5, 0.5, 1.5, 30, 40, 75])
        a = rng.choice(forms).format(n=n, u1=u1, u2=u2)
        r = rng.random()
        if r < 0.45:
            return a, rng.choice(forms).format(n=n, u1=u1, u2=u2), 1
        if r < 0.75:
            return a, rng.choice(forms).format(n=n, u1=u2, u2=u1), 0
        if r < 0.9:
            n2 = rng.choice([m for m in [1, 2, 3, 5, 10, 15, 20, 50, 100, 7, 8] if m != n])
            return a, rng.choice(forms).format(n=n2, u1=u1, u2=u2), 0
        others = [u for u in UNITS[dim] if u not in (u1, u2)]
        if not others:
            return a, rng.choice(forms).format(n=n, u1=u2, u2=u1), 0
        return a, rng.choice(forms).format(n=n, u1=u1, u2=rng.choice(others)), 0
    forms = pick_forms(UNIT_PER, held, 1)
    a = rng.choice(forms).format(u2=u1, s1=singular(u2))
    if rng.random() < 0.45:
        return a, rng.choice(forms).format(u2=u1, s1=singular(u2)), 1
    return a, rng.choice(forms).format(u2=u2, s1=singular(u1)), 0


CURRENCY_FORMS = ["Convert {n} {c1} to {c2}", "How many {c2} is {n} {c1}?", "What is {n} {c1} in {c2}?",
                  "{n} {c1} to {c2}", "Exchange {n} {c1} for {c2}", "How much is {n} {c1} worth in {c2}?"]


def fam_currency(rng, v, held):  # a held-out family: never in training
    c1, c2 = two_distinct(rng, CURRENCIES)
    n = rng.choice([10, 20, 50, 100, 250, 500, 1000, 5000])
    a = rng.choice(CURRENCY_FORMS).format(n=n, c1=c1, c2=c2)
    r = rng.random()
    if r < 0.45:
        return a, rng.choice(CURRENCY_FORMS).format(n=n, c1=c1, c2=c2), 1
    if r < 0.8:
        return a, rng.choice(CURRENCY_FORMS).format(n=n, c1=c2, c2=c1), 0
    return a, rng.choice(CURRENCY_FORMS).format(n=changed_number(rng, n), c1=c1, c2=c2), 0


DATE_FORMS = ["What day of the week was {m} {d}, {y}?", "Which weekday was {m} {d}, {y}?",
              "On what day of the week did {m} {d}, {y} fall?", "{m} {d}, {y} was what day?",
              "What day was {m} {d} {y}?", "Tell me the weekday of {m} {d}, {y}"]
YEAR_FORMS = ["Who won the {y} {e}?", "Which team won the {e} in {y}?", "Winner of the {y} {e}?",
              "Who took the {y} {e}?", "Tell me who won the {e} in {y}", "In {y}, who won the {e}?"]
HIST_FORMS = ["What happened in {k} in {y}?", "Major events in {k} in {y}", "What was going on in {k} in {y}?",
              "Give me a summary of {k} in {y}", "Important events of {y} in {k}"]


def fam_dates(rng, v, held):
    r0 = rng.random()
    y = rng.randint(1950, 2024)
    if r0 < 0.35:
        forms = pick_forms(DATE_FORMS, held, 2)
        m, d = rng.choice(MONTHS), rng.randint(1, 28)
        a = rng.choice(forms).format(m=m, d=d, y=y)
        r = rng.random()
        if r < 0.45:
            return a, rng.choice(forms).format(m=m, d=d, y=y), 1
        if r < 0.65:
            return a, rng.choice(forms).format(m=m, d=d % 28 + 1, y=y), 0
        if r < 0.85:
            return a, rng.choice(forms).format(m=m, d=d, y=y + rng.choice([-1, 1, 10])), 0
        return a, rng.choice(forms).format(m=rng.choice([x for x in MONTHS if x != m]), d=d, y=y), 0
    if r0 < 0.7:
        forms = pick_forms(YEAR_FORMS, held, 2)
        e = rng.choice(v.get("event", held))
        a = rng.choice(forms).format(y=y, e=e)
        r = rng.random()
        if r < 0.45:
            return a, rng.choice(forms).format(y=y, e=e), 1
        if r < 0.8:
            return a, rng.choice(forms).format(y=y + rng.choice([-4, -1, 1, 4]), e=e), 0
        return a, rng.choice(forms).format(y=y, e=rng.choice([x for x in v.get("event", held) if x != e])), 0
    forms = pick_forms(HIST_FORMS, held, 1)
    k = rng.choice(v.get("country", held))
    a = rng.choice(forms).format(y=y, k=k)
    r = rng.random()
    if r < 0.45:
        return a, rng.choice(forms).format(y=y, k=k), 1
    if r < 0.75:
        return a, rng.choice(forms).format(y=y + rng.choice([-1, 1, 2]), k=k), 0
    return a, rng.choice(forms).format(y=y, k=rng.choice([x for x in v.get("country", held) if x != k])), 0


ENTITY_FORMS = ["What is the capital of {k}?", "Capital city of {k}?", "Which city is the capital of {k}?",
                "Tell me the capital of {k}", "What's {k}'s capital?", "Name the capital of {k}"]
POP_FORMS = ["What is the population of {c}?", "How many people live in {c}?", "Population of {c}?",
             "How big is the population of {c}?", "What's the number of inhabitants of {c}?"]
VISIT_FORMS = ["Best things to do in {c}", "What should I see in {c}?", "Top attractions in {c}",
               "What are the must-see sights in {c}?", "Plan a 3-day trip to {c}", "Where should I eat in {c}?",
               "What to visit in {c}?", "Recommend sights in {c}"]
VISIT_SAME = {0: [0, 1, 2, 3, 6, 7], 1: [0, 1, 2, 3, 6, 7], 2: [0, 1, 2, 3, 6, 7], 3: [0, 1, 2, 3, 6, 7],
              4: [4], 5: [5], 6: [0, 1, 2, 3, 6, 7], 7: [0, 1, 2, 3, 6, 7]}
BIO_FORMS = ["Who is {p}?", "Tell me about {p}", "Give me a short bio of {p}", "What is {p} known for?"]


def fam_entities(rng, v, held):
    r0 = rng.random()
    if r0 < 0.3:
        forms = pick_forms(ENTITY_FORMS, held, 2)
        k = rng.choice(v.get("country", held))
        a = rng.choice(forms).format(k=k)
        if rng.random() < 0.45:
            return a, rng.choice(forms).format(k=k), 1
        return a, rng.choice(forms).format(k=rng.choice([x for x in v.get("country", held) if x != k])), 0
    if r0 < 0.55:
        forms = pick_forms(POP_FORMS, held, 1)
        c = rng.choice(v.get("city", held))
        a = rng.choice(forms).format(c=c)
        if rng.random() < 0.45:
            return a, rng.choice(forms).format(c=c), 1
        return a, rng.choice(forms).format(c=rng.choice([x for x in v.get("city", held) if x != c])), 0
    if r0 < 0.85:
        idx = list(range(len(VISIT_FORMS)))
        idx = idx[-2:] if held else idx[:-2]
        i = rng.choice(idx)
        c = rng.choice(v.get("city", held))
        a = VISIT_FORMS[i].format(c=c)
        same = [j for j in VISIT_SAME[i] if j in idx] or [i]
        r = rng.random()
        if r < 0.45:
            return a, VISIT_FORMS[rng.choice(same)].format(c=c), 1
        if r < 0.75:
            return a, VISIT_FORMS[rng.choice(same)].format(c=rng.choice([x for x in v.get("city", held) if x != c])), 0
        other = [j for j in idx if j not in same]
        if other:
            return a, VISIT_FORMS[rng.choice(other)].format(c=c), 0
        return a, VISIT_FORMS[i].format(c=rng.choice([x for x in v.get("city", held) if x != c])), 0
    forms = BIO_FORMS[-1:] if held else BIO_FORMS[:-1]
    names = ["Marie Curie", "Isaac Newton", "Ada Lovelace", "Nikola Tesla", "Frida Kahlo", "Alan Turing",
             "Jane Austen", "Nelson Mandela", "Leonardo da Vinci", "Albert Einstein", "Charles Darwin",
             "Grace Hopper", "Mahatma Gandhi", "Rosa Parks"]
    names = names[-4:] if held else names[:-4]
    p = rng.choice(names)
    a = rng.choice(forms).format(p=p)
    if rng.random() < 0.45:
        return a, rng.choice(forms).format(p=p), 1
    return a, rng.choice(forms).format(p=rng.choice([x for x in names if x != p])), 0


DEFINE_FORMS = ["What is {x}?", "What's {x}?", "Can you explain {x}?", "Explain {x} to me",
                "Define {x}", "What does {x} mean?", "Give me a simple explanation of {x}",
                "Tell me what {x} is", "I don't understand {x}. What is it?"]
DIFF_FORMS = ["What is the difference between {x} and {y}?", "How is {x} different from {y}?",
              "{x} vs {y}: what's the difference?", "How do {x} and {y} differ?"]


def strip_article(s):
    for a in ("a ", "an ", "the "):
        if s.startswith(a):
            return s[len(a):]
    return s


def fam_concepts(rng, v, held):
    pairs = v.get("concept", held)
    x, y = rng.choice(pairs)
    if rng.random() < 0.5:
        x, y = y, x
    if rng.random() < 0.7:
        forms = pick_forms(DEFINE_FORMS, held, 2)
        a = rng.choice(forms).format(x=x)
        if rng.random() < 0.45:
            return a, rng.choice(forms).format(x=x), 1
        return a, rng.choice(forms).format(x=y), 0
    forms = pick_forms(DIFF_FORMS, held, 1)
    a = rng.choice(forms).format(x=x, y=y)
    r = rng.random()
    if r < 0.5:
        return a, rng.choice(forms).format(x=y, y=x) if rng.random() < 0.5 else rng.choice(forms).format(x=x, y=y), 1
    z = rng.choice([p for p in pairs if p != (x, y) and p != (y, x)])[0]
    return a, rng.choice(forms).format(x=x, y=z), 0


COUNT_FORMS = ["Give me {n} ideas for {t}", "List {n} ideas for {t}", "Suggest {n} ideas for {t}",
               "What are {n} good ideas for {t}?", "Brainstorm {n} ideas for {t}", "I need {n} ideas for {t}",
               "Come up with {n} ideas for {t}", "Can you think of {n} ideas for {t}?"]
LENGTH_FORMS = ["Summarize this article in {n} {u}", "Write a summary of this article in {n} {u}",
                "Give me a {n}-{us} summary of this article", "Condense this article into {n} {u}",
                "Sum up this article in {n} {u}"]
WRITE_FORMS = ["Write a {adj} poem about {t}", "Compose a {adj} poem about {t}", "Can you write me a {adj} poem about {t}?",
               "I'd like a {adj} poem on {t}", "Create a {adj} poem about {t}"]
ADJ_PAIRS = [("happy", "sad"), ("short", "long"), ("funny", "serious"), ("formal", "casual"),
             ("rhyming", "non-rhyming")]


def fam_counts(rng, v, held):
    r0 = rng.random()
    topics = v.get("topic", held)
    if r0 < 0.45:
        forms = pick_forms(COUNT_FORMS, held, 2)
        n = rng.choice([3, 5, 7, 10, 12, 15, 20])
        t = rng.choice(topics)
        a = rng.choice(forms).format(n=n, t=t)
        r = rng.random()
        if r < 0.45:
            return a, rng.choice(forms).format(n=n, t=t), 1
        if r < 0.8:
            return a, rng.choice(forms).format(n=rng.choice([m for m in [3, 5, 7, 10, 12, 15, 20] if m != n]), t=t), 0
        return a, rng.choice(forms).format(n=n, t=rng.choice([x for x in topics if x != t])), 0
    if r0 < 0.75:
        forms = pick_forms(LENGTH_FORMS, held, 1)
        n = rng.choice([2, 3, 5, 10, 50, 100])
        u = rng.choice(["sentences", "paragraphs", "words", "bullet points"])
        a = rng.choice(forms).format(n=n, u=u, us=singular(u).replace(" ", "-"))
        r = rng.random()
        if r < 0.45:
            return a, rng.choice(forms).format(n=n, u=u, us=singular(u).replace(" ", "-")), 1
        if r < 0.75:
            u2 = rng.choice([x for x in ["sentences", "paragraphs", "words", "bullet points"] if x != u])
            return a, rng.choice(forms).format(n=n, u=u2, us=singular(u2).replace(" ", "-")), 0
        n2 = rng.choice([m for m in [2, 3, 5, 10, 50, 100] if m != n])
        return a, rng.choice(forms).format(n=n2, u=u, us=singular(u).replace(" ", "-")), 0
    forms = pick_forms(WRITE_FORMS, held, 1)
    adjs = ADJ_PAIRS[-2:] if held else ADJ_PAIRS[:-2]
    a1, a2 = rng.choice(adjs)
    if rng.random() < 0.5:
        a1, a2 = a2, a1
    t = rng.choice(["the ocean", "autumn", "my cat", "friendship", "the city at night", "coffee", "rain",
                    "the moon", "a lost key", "mountains"])
    a = rng.choice(forms).format(adj=a1, t=t)
    r = rng.random()
    if r < 0.45:
        return a, rng.choice(forms).format(adj=a1, t=t), 1
    return a, rng.choice(forms).format(adj=a2, t=t), 0


FAMILIES = {
    "arith": (fam_arith, 2.0), "booking": (fam_booking, 1.5), "time": (fam_time, 1.5), "code": (fam_code, 2.0),
    "direction": (fam_direction, 1.5), "negation": (fam_negation, 1.0), "roles": (fam_roles, 2.0),
    "units": (fam_units, 1.0), "dates": (fam_dates, 1.0), "entities": (fam_entities, 1.5),
    "concepts": (fam_concepts, 1.0), "counts": (fam_counts, 1.0), "currency": (fam_currency, 1.0),
}
HELD_OUT_FAMILIES = {"currency"}


def generate(n: int, held: bool, seed: int) -> list[dict]:
    rng = random.Random(seed + (1000 if held else 0))
    vocab = Vocab(seed)
    names = [k for k in FAMILIES if held or k not in HELD_OUT_FAMILIES]
    weights = [FAMILIES[k][1] for k in names]
    out, seen = [], set()
    tries = 0
    while len(out) < n and tries < n * 20:
        tries += 1
        fam = rng.choices(names, weights)[0]
        a, b, label = FAMILIES[fam][0](rng, vocab, held)
        if a == b and label == 1 and rng.random() < 0.7:
            b = noise(rng, b, held, 1.0)
        # surface noise on either side for both labels (politeness, punctuation, case are no signal)
        a, b = noise(rng, a, held, 0.35), noise(rng, b, held, 0.35)
        if rng.random() < 0.5:
            a, b = b, a
        key = (a, b)
        if key in seen or a == b and label == 0:
            continue
        seen.add(key)
        out.append({"a": a, "b": b, "label": label, "family": fam})
    return out


# The issue's own examples (label 0 unless stated), reported separately; not used in training.
ISSUE_EXAMPLES = [
    ("How do I reverse a list in Python?", "How can I reverse a list in Python?", 1),
    ("What is 7 divided by 2?", "What is 2 divided by 7?", 0),
    ("Subtract 3 from 10", "Subtract 10 from 3", 0),
    ("2 to the power of 10", "10 to the power of 2", 0),
    ("Book a table for 2 at 8 pm", "Book a table for 8 at 2 pm", 0),
    ("What's the weather in Paris today?", "What's the weather in Paris tomorrow?", 0),
    ("What did I spend last month?", "What did I spend this month?", 0),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--train", type=int, default=16000)
    ap.add_argument("--eval", type=int, default=3000)
    args = ap.parse_args()
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, n, held in [("gen_train", args.train, False), ("gen_eval", args.eval, True)]:
        rows = generate(n, held, args.seed)
        with open(out / f"{name}.jsonl", "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        pos = sum(r["label"] for r in rows)
        print(f"{name}: {len(rows)} pairs, {pos} positive")
    with open(out / "issue_examples.jsonl", "w") as f:
        for a, b, l in ISSUE_EXAMPLES:
            f.write(json.dumps({"a": a, "b": b, "label": l, "family": "issue"}) + "\n")


if __name__ == "__main__":
    main()
