#!/usr/bin/env python3
"""Writes about SIZE bytes of message-like text lines for the scan benchmark (not committed).

Usage: generate.py SIZE_BYTES [SEED] > corpus-raw.txt

One line a message. About 5% of the lines are messages and call segments from Corpus/ (scams and
hard negatives, as written, traditional and obfuscated spellings included); the rest is filler:
runs of 8 to 90 tokens drawn at random from the token stream of the whole Corpus, so the filler
has the Corpus's mix of Chinese, English, digits and punctuation, and the words rules look for at
their natural rates, without forming the phrases scams use. Deterministic for a given seed.
"""
import json
import os
import random
import re
import sys

size = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
root = os.path.join(os.path.dirname(__file__), "..", "..", "Corpus")

texts = []
with open(os.path.join(root, "messages.jsonl"), encoding="utf-8") as f:
    for line in f:
        text = json.loads(line).get("text")
        if isinstance(text, str):
            texts.append(text)
folder = os.path.join(root, "transcripts")
for name in sorted(os.listdir(folder)):
    if name.endswith(".txt"):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            texts += [l.strip() for l in f if l.strip()]

token = re.compile(r"[\u3400-\u9fff]|[A-Za-z]+|\d+|\S")
tokens = [t for text in texts for t in token.findall(text)]
han = re.compile(r"[\u3400-\u9fff]")

out = sys.stdout
written = 0
while written < size:
    if rng.random() < 0.05:
        line = " ".join(rng.choice(texts).split("\n"))
    else:
        start = rng.randrange(len(tokens))
        parts = []
        for _ in range(rng.randint(8, 90)):
            t = tokens[rng.randrange(len(tokens))] if rng.random() < 0.5 else tokens[start % len(tokens)]
            start += 1
            if parts and not (han.match(t) and han.match(parts[-1])):
                parts.append(" ")
            parts.append(t)
        line = "".join(parts)
    data = line + "\n"
    out.write(data)
    written += len(data.encode("utf-8"))
