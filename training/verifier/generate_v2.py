"""Extra training pairs for verifier v2 (issue 15): PAWS-style word swaps and more template wordings.

    python generate_v2.py OUT_DIR [--seed 15] [--gen N]

Writes OUT_DIR/gen_train_v2.jsonl ({"a", "b", "label", "family"} a line). It never touches gen_eval.jsonl
(the held-out generated set stays v1's, so v1 and v2 are compared on the same pairs) and drops every pair
with a sentence that occurs in the held-out set or a pair that occurs in the tune split.

Sources, all allowed for training (see data.py): the TRAIN part of PAWS-Wiki dev.tsv and of GPTCache's
mock pairs (the same seeded 85/15 splits as data.py), and our templates. Never QQP.

  - swap negatives (PAWS-style): in a sentence, two named spans (runs of capitalised words) or two numbers
    are exchanged ("X beat Y in 1990 and lost in 1994" → "Y beat X in 1994 …"); the pair (paraphrase of the
    original, swapped sentence) is a negative with the same bag of words as a positive. Spans joined only by
    "and" / "or" / "," are not swapped (a list keeps its meaning).
  - transitive PAWS pairs: pairs of PAWS dev-train sharing sentence1: both paraphrases of s → paraphrases
    of each other (label 1); one paraphrase, one not → label 0.
  - meaning-keeping edits as positives (How do I → How can I, contractions, Could/Can you …) on GPTCache
    and PAWS sentences.
  - generate_pairs' families again (a fresh random stream, training vocabulary and templates only), with
    more weight on arithmetic, units and roles, and extra TRAINING-only wordings for those families
    (none of them is a held-out template; currency stays a held-out family).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import generate_pairs as g
from data import datasets_dir, read_paws, split

SEED = 15

# --- extra training-only wordings (appended before the held-out tail is cut: see extend_forms) ---------
EXTRA_ARITH = {
    "div": ["If I divide {x} by {y}, what do I get?", "{x} divided by {y} equals what?", "Work out {x} ÷ {y}",
            "Please divide {x} by {y}", "How many times does {y} go into {x}?", "Solve {x}/{y}",
            "Find the quotient of {x} divided by {y}"],
    "sub": ["{x} minus {y}", "Find {x} minus {y}", "What is {y} subtracted from {x}?", "Deduct {y} from {x}",
            "Work out {x} − {y}", "If you take {y} from {x}, what is left?"],
    "pow": ["{x}^{y} = ?", "Work out {x} to the {y}th power", "Raise {x} to the power of {y}",
            "Find {x} raised to {y}", "What's {x} to the {y}?"],
    "mod": ["{x} modulo {y}", "Remainder of {x} / {y}?", "Work out {x} mod {y}",
            "What remainder do you get dividing {x} by {y}?"],
    "pct": ["{x} out of {y} as a percent?", "Convert {x} out of {y} to a percentage",
            "What percent of {y} does {x} make up?"],
    "log": ["log base {y} of {x}", "Evaluate log_{y} {x}", "What's the logarithm base {y} of {x}?"],
}
EXTRA_UNITS = ["Please convert {n} {u1} into {u2}", "I have {n} {u1}; how many {u2} is that?",
               "{n} {u1} equals how many {u2}?", "What does {n} {u1} come to in {u2}?", "{n} {u1} in {u2}",
               "Could you convert {n} {u1} to {u2}?", "How many {u2} are there in {n} {u1}?"]
EXTRA_ROLES = [
    ("Write a complaint from {r1} to {r2} about {topic}", "Write a complaint to {r2} from {r1} about {topic}"),
    ("Compose an email {r1} sends to {r2} regarding {topic}", "Compose an email to {r2}, sent by {r1}, regarding {topic}"),
    ("Help {r1} write to {r2} about {topic}", "Help {r1} send {r2} a message about {topic}"),
]
EXTRA_TRANSFER = ["Wire ${n} from {a1} to {a2}", "Please move ${n} out of {a1} into {a2}",
                  "Take ${n} from {a1} and put it in {a2}"]
ASYM = [  # (form, paraphrase keeping the order); swapping x and y changes the meaning
    ("Is {x} north of {y}?", "Is {x} to the north of {y}?"),
    ("How far is {x} from {y} by train, leaving {x}?", "Train distance starting in {x} going to {y}?"),
    ("Is {x} bigger than {y} by area?", "Does {x} have a larger area than {y}?"),
    ("Why is {x} more expensive to live in than {y}?", "Why does living in {x} cost more than in {y}?"),
    ("Is it cheaper to fly from {x} to {y}?", "Are flights from {x} to {y} cheaper?"),
    ("Move my meeting from {d1} to {d2}", "Reschedule my meeting from {d1} to {d2}"),
    ("Does {p1} owe {p2} money?", "Is {p1} in debt to {p2}?"),
    ("Did {p1} invite {p2} to the party?", "Was {p2} invited to the party by {p1}?"),
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def extend_forms():
    """Extra wordings go BEFORE each list's held-out tail, so pick_forms still holds the same tail out."""
    for op, extra in EXTRA_ARITH.items():
        forms = g.ARITH_ORDERED[op]
        forms[:] = forms[:-2] + extra + forms[-2:]
    g.UNIT_FORMS[:] = g.UNIT_FORMS[:-2] + EXTRA_UNITS + g.UNIT_FORMS[-2:]
    g.ROLE_FORMS[:] = g.ROLE_FORMS[:-1] + EXTRA_ROLES + g.ROLE_FORMS[-1:]
    g.TRANSFER[:] = g.TRANSFER[:-2] + EXTRA_TRANSFER + g.TRANSFER[-2:]


def fam_asym(rng, v, held):
    fa, fb = rng.choice(ASYM)
    x, y = g.two_distinct(rng, v.get("city", held) + v.get("country", held))
    p1, p2 = g.two_distinct(rng, v.get("person", held))
    d1, d2 = g.two_distinct(rng, DAYS)
    slots = dict(x=x, y=y, p1=p1, p2=p2, d1=d1, d2=d2)
    swapped = dict(x=y, y=x, p1=p2, p2=p1, d1=d2, d2=d1)
    a = fa.format(**slots)
    r = rng.random()
    if r < 0.45:
        return a, fb.format(**slots), 1
    return a, (fb if rng.random() < 0.6 else fa).format(**swapped), 0


# --- PAWS-style swaps -----------------------------------------------------------------------------------
STOP = set("""The A An In On At For From To Of By With As It He She They We I You This That These Those
There Here His Her Its Their Our My Your When While After Before During Since Until If Although Though
Because However Also Then Later Both Each Every Some Many Most Other Another What Which Who Whom Whose
Where Why How Is Are Was Were Be Can Could Should Would Will Do Does Did Has Have Had""".split())
SPAN = re.compile(r"\b(?:[A-Z][\w'\-\.]*[\w])(?:\s+(?:of|de|da|von|van|the|del|la|le)?\s*[A-Z][\w'\-]*)*|\b\d[\d,\.]*\d\b|\b\d\b")
JOIN = re.compile(r"^\s*(,|and|or|&|, and|, or|,\s*and|,\s*or|/|-|--|to)?\s*$")


def spans(s: str):
    out = []
    for m in SPAN.finditer(s):
        t = m.group(0)
        if t in STOP:
            continue
        words = t.split()
        if words[0] in STOP:  # "The Beatles" keeps its article out of the span
            start = m.start() + len(words[0]) + 1
            t = " ".join(words[1:])
            if not t or not t[0].isupper():
                continue
            out.append((start, start + len(t), t))
        else:
            out.append((m.start(), m.end(), t))
    return out


def swap(rng: random.Random, s: str) -> str | None:
    sp = spans(s)
    nums = [x for x in sp if x[2][0].isdigit()]
    names = [x for x in sp if not x[2][0].isdigit()]
    cands = []
    for group in (nums, names):
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                a, b = group[i], group[j]
                if a[2] == b[2] or a[2] in b[2] or b[2] in a[2]:
                    continue
                between = s[a[1]:b[0]]
                for o in group:  # a list "A , B , C and D": the other items between a and b do not count
                    if a[1] <= o[0] and o[1] <= b[0]:
                        between = between.replace(o[2], ",")
                if JOIN.match(between) or re.fullmatch(r"[\s,]*(and|or)?[\s,]*(and|or)?[\s,]*", between):
                    continue
                cands.append((a, b))
    if not cands:
        return None
    a, b = rng.choice(cands)
    out = s[:a[0]] + b[2] + s[a[1]:b[0]] + a[2] + s[b[1]:]
    return out if out != s else None


EDITS = [(r"\bHow do I\b", "How can I"), (r"\bHow can I\b", "How do I"), (r"\bWhat is\b", "What's"),
         (r"\bWhat's\b", "What is"), (r"\bdo not\b", "don't"), (r"\bdoes not\b", "doesn't"), (r"\bis not\b", "isn't"),
         (r"\bcannot\b", "can't"), (r"\bCan you\b", "Could you"), (r"\bCould you\b", "Can you"),
         (r"\bit is\b", "it's"), (r"\bI am\b", "I'm"), (r"\bvery\b", "really"), (r"\bbig\b", "large"),
         (r"\bhelp me\b", "assist me"), (r"\bexplain\b", "describe"), (r"\bquickly\b", "fast")]


def edit(rng, s):
    opts = [(p, r) for p, r in EDITS if re.search(p, s)]
    if not opts:
        return None
    p, r = rng.choice(opts)
    return re.sub(p, r, s, count=1)


def generate_train(n: int, seed: int) -> list[dict]:
    """generate_pairs.generate(held=False) with the SAME vocabulary split (Vocab(seed)) but another stream."""
    rng = random.Random(seed * 101 + 500)
    vocab = g.Vocab(seed)
    names = [k for k in g.FAMILIES if k not in g.HELD_OUT_FAMILIES]
    weights = [g.FAMILIES[k][1] for k in names]
    out, seen = [], set()
    tries = 0
    while len(out) < n and tries < n * 20:
        tries += 1
        fam = rng.choices(names, weights)[0]
        a, b, label = g.FAMILIES[fam][0](rng, vocab, False)
        if a == b and label == 1 and rng.random() < 0.7:
            b = g.noise(rng, b, False, 1.0)
        a, b = g.noise(rng, a, False, 0.35), g.noise(rng, b, False, 0.35)
        if rng.random() < 0.5:
            a, b = b, a
        if (a, b) in seen or a == b and label == 0:
            continue
        seen.add((a, b))
        out.append({"a": a, "b": b, "label": label, "family": fam})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--gen", type=int, default=14000, help="template pairs (fresh stream, training split)")
    args = ap.parse_args()
    out_dir = Path(args.out_dir)
    rng = random.Random(args.seed * 31 + 7)
    rows = []

    paws_train, paws_tune = split(read_paws("dev.tsv"), args.seed)
    items = json.load(open(datasets_dir() / "gptcache_mock_data.json"))
    gi_train, _ = split(items, args.seed)
    tune_keys = {(a, b) for a, b, *_ in paws_tune} | {(b, a) for a, b, *_ in paws_tune}

    # 1. swap negatives from PAWS dev-train: (s1, swap(s2)) for a paraphrase pair, (s2, swap(s1)) too
    n_swap = 0
    for a, b, l, _ in paws_train:
        for x, y in ((a, b), (b, a)) if l == 1 else ((a, a),):
            z = swap(rng, y)
            if z and rng.random() < (0.6 if l == 1 else 0.35):
                rows.append((x, z, 0, "paws-swap"))
                n_swap += 1
    # 2. transitive PAWS pairs sharing sentence1
    by_s1 = {}
    for a, b, l, _ in paws_train:
        by_s1.setdefault(a, []).append((b, l))
    for s1, lst in by_s1.items():
        for i in range(len(lst)):
            for j in range(i + 1, len(lst)):
                (b1, l1), (b2, l2) = lst[i], lst[j]
                if b1 == b2 or (l1 == 0 and l2 == 0):
                    continue
                rows.append((b1, b2, int(l1 == 1 and l2 == 1), "paws-trans"))
    # 3. GPTCache train: swap negatives and edit positives
    for it in gi_train:
        for s, other in ((it["origin"], it["similar"]), (it["similar"], it["origin"])):
            z = swap(rng, s)
            if z and rng.random() < 0.7:
                rows.append((other, z, 0, "gptcache-swap"))
        e = edit(rng, it["similar"])
        if e:
            rows.append((it["origin"], e, 1, "gptcache-edit"))
    # 4. PAWS edits as positives (light, few: they are easy)
    for a, b, l, _ in paws_train:
        if l == 1 and rng.random() < 0.3:
            e = edit(rng, b)
            if e and e != b:
                rows.append((a, e, 1, "paws-edit"))

    # 5. template families: a fresh stream, training split only, more weight on the weak families
    extend_forms()
    g.FAMILIES["asym"] = (fam_asym, 1.5)
    weights = {"arith": 3.5, "units": 2.5, "roles": 3.0, "booking": 1.0, "time": 1.0, "code": 1.0,
               "direction": 1.0, "negation": 0.8, "dates": 0.8, "entities": 0.8, "concepts": 0.8,
               "counts": 0.8, "asym": 1.5}
    for k, w in weights.items():
        g.FAMILIES[k] = (g.FAMILIES[k][0], w)
    gen = generate_train(args.gen, args.seed)
    rows += [(r["a"], r["b"], r["label"], "gen-" + r["family"]) for r in gen]

    # hygiene: nothing from the held-out generated set, no tune pair
    held = set()
    for line in open(out_dir / "gen_eval.jsonl"):
        r = json.loads(line)
        held |= {r["a"], r["b"]}
    kept, seen = [], set()
    for a, b, l, src in rows:
        if a in held or b in held or (a, b) in tune_keys or (a, b) in seen or a == b:
            continue
        seen.add((a, b))
        kept.append((a, b, l, src))
    with open(out_dir / "gen_train_v2.jsonl", "w") as f:
        for a, b, l, src in kept:
            f.write(json.dumps({"a": a, "b": b, "label": l, "family": src}) + "\n")
    from collections import Counter
    c = Counter((src, l) for *_, l, src in [(r[0], r[1], r[2], r[3]) for r in kept])
    print(f"gen_train_v2: {len(kept)} pairs, {sum(r[2] for r in kept)} positive")
    for k in sorted(c):
        print(" ", k, c[k])


if __name__ == "__main__":
    main()
