"""Calibrates the readability gate (issue 15): which prompts the English MiniLM embedder cannot read.

Measures, per prompt, the numbers Sources/TollgateSemantic/Readability.swift computes:
  - other_script: the share of letters outside the Latin script (CJK, Cyrillic, Arabic, ...);
  - foreign_words: the share of words of 3+ letters that the model's own WordPiece vocabulary does
    not hold as one whole token (English words mostly are; French, German, Spanish ... words mostly are
    not), read together with the share of English function words (an English prompt has some);
  - code: the share of characters on code-like lines (fenced, or symbol-dense).
on English prompts from the tuning halves (QQP even rows, PAWS dev, GPTCache origins) and on
benchmarks/readability/samples.jsonl (our own non-English, code and English prompts).
Usage: python3 benchmarks/readability/calibrate.py [--vocab .models/all-MiniLM-L6-v2/vocab.txt] [-v]
"""
import json, sys, unicodedata, re, argparse

ap = argparse.ArgumentParser()
ap.add_argument("--vocab", default=".models/all-MiniLM-L6-v2/vocab.txt")
ap.add_argument("--data", default="../shared/datasets")
args = ap.parse_args()
vocab = set(l.rstrip("\n") for l in open(args.vocab, encoding="utf-8"))

def latin(c):
    o = ord(c)
    return o < 0x250 or 0x1E00 <= o <= 0x1EFF

def words(text):
    t = unicodedata.normalize("NFD", text.lower())
    t = "".join(c for c in t if unicodedata.category(c) != "Mn")
    return re.findall(r"[^\W\d_]+", t)

CODE_CHARS = set("{}[]()<>=;+*/%&|^~#$@\\_")
def code_line(line):
    s = line.strip()
    if not s: return False
    sym = sum(1 for c in s if c in CODE_CHARS)
    return sym / max(1, len(s.replace(" ", ""))) >= 0.12

# The most frequent English function words: an English prompt of 3+ words nearly always has some.
FUNCTION = set("""a an the is are was were be been am do does did doing done have has had i you he she it we they me my your
his her its our their this that these those what which who whom whose when where why how of to in on at by for with from
about into over after before between than then and or but not no if so as can could should would will shall may might must
there here any some all each more most much many very just also only""".split())

def measure(text):
    letters = [c for c in text if c.isalpha()]
    other = sum(1 for c in letters if not latin(c)) / max(1, len(letters))
    ws = [w for w in words(text) if len(w) >= 3 and all(latin(c) for c in w)]
    foreign = sum(1 for w in ws if w not in vocab) / max(1, len(ws))
    # code: fenced blocks, then symbol-dense lines
    chars = 0; total = max(1, len(text.strip()))
    fenced = False
    for line in text.split("\n"):
        if line.strip().startswith("```"):
            fenced = not fenced; chars += len(line); continue
        if fenced or code_line(line): chars += len(line)
    eng = sum(1 for w in words(text) if w in FUNCTION) / max(1, len(words(text)))
    return other, foreign, len(ws), min(1.0, chars / total), eng

def gate(text, f_share=0.3, min_words=3, code_share=0.5, other_share=0.2):
    o, f, n, c, e = measure(text)
    if o > other_share: return "script"
    if n >= min_words and f >= f_share and e < 0.2: return "language"
    if c >= code_share: return "code"
    return None

english = []
qqp = json.load(open(f"{args.data}/qqp_pairs.json"))
for i, p in enumerate(qqp):
    if i % 2 == 0: english += [p["text_a"], p["text_b"]]
english = list(dict.fromkeys(english))
paws = [l.split("\t")[1] for l in open(f"{args.data}/paws_wiki/dev.tsv", encoding="utf-8").read().splitlines()[1:]]
gpt = [p["origin"] for p in json.load(open(f"{args.data}/gptcache_mock_data.json"))]
samples = [json.loads(l) for l in open("benchmarks/readability/samples.jsonl", encoding="utf-8")]

for f_share in (0.3, 0.4, 0.5):
    print(f"foreign-word share >= {f_share} (3+ words) and function words < 0.2, code share >= 0.5, other script > 0.2")
    for name, texts in (("QQP even (English)", english), ("PAWS dev (English)", paws), ("GPTCache origins", gpt)):
        flagged = [t for t in texts if gate(t, f_share)]
        print(f"  {name}: {len(flagged)} of {len(texts)} flagged ({100*len(flagged)/len(texts):.2f} %)")
    kinds = {}
    for s in samples:
        k = "code" if s["kind"] == "code" else ("en" if s["kind"] == "en" else "foreign")
        kinds.setdefault(k, []).append(gate(s["text"], f_share) is not None)
    for k, v in kinds.items():
        print(f"  samples {k}: {sum(v)} of {len(v)} flagged")
if "-v" in sys.argv:
    for s in samples:
        o, f, n, c, e = measure(s["text"])
        print(f"  {s['kind']:4} other={o:.2f} foreign={f:.2f} english={e:.2f} words={n} code={c:.2f} -> {gate(s['text'])}  {s['text'][:50]!r}")
