#!/usr/bin/env python3
"""Scores scamflow alerts against labelled JSON lines (the ../shared/eval and Corpus format).

usage: score.py LABELLED.jsonl ALERTS.ndjson [--misses N]

A record counts as flagged when any alert names it (by `record_id`, else by `source` line).
Prints, overall and per category: scams, caught, recall; benign false alarms and rate; spam
called a scam. Precision = caught scams / flagged (scam + benign) records.
"""
import collections, json, sys

def main():
    labelled, alerts_path = sys.argv[1], sys.argv[2]
    show = int(sys.argv[sys.argv.index('--misses') + 1]) if '--misses' in sys.argv else 0
    flagged_ids, flagged_lines = set(), set()
    for line in open(alerts_path, encoding='utf-8'):
        a = json.loads(line)
        if a.get('record_id'): flagged_ids.add(a['record_id'])
        src = a.get('source', '')
        if ':' in src: flagged_lines.add(int(src.rsplit(':', 1)[1]))
    per = collections.defaultdict(lambda: [0, 0])  # category -> [total, flagged]
    truth_counts = collections.Counter(); truth_flagged = collections.Counter()
    misses, false_alarms = [], []
    for n, line in enumerate(open(labelled, encoding='utf-8'), 1):
        r = json.loads(line)
        hit = (r.get('id') in flagged_ids) if r.get('id') else (n in flagged_lines)
        t = r['truth']; truth_counts[t] += 1; truth_flagged[t] += hit
        if t == 'scam':
            c = per[r.get('category') or '?']; c[0] += 1; c[1] += hit
            if not hit: misses.append(r['text'][:100])
        elif t == 'benign' and hit:
            false_alarms.append(r['text'][:100])
    scams, caught = truth_counts['scam'], truth_flagged['scam']
    fa, benign = truth_flagged['benign'], truth_counts['benign']
    flagged = caught + fa
    print(f"file: {labelled}")
    if scams: print(f"  scams {scams}  caught {caught}  recall {caught/scams:.3f}")
    if flagged: print(f"  precision {caught/flagged:.3f}  (flagged scam+benign {flagged})")
    if benign: print(f"  benign {benign}  false alarms {fa}  rate {fa/benign:.4f}")
    if truth_counts['spam']: print(f"  spam {truth_counts['spam']}  called a scam {truth_flagged['spam']}  rate {truth_flagged['spam']/truth_counts['spam']:.4f}")
    for cat, (tot, hit) in sorted(per.items(), key=lambda kv: kv[1][1] / kv[1][0]):
        print(f"    {cat:32s} {hit:5d}/{tot:<5d} recall {hit/tot:.3f}")
    for title, items in (("missed scams", misses), ("false alarms", false_alarms)):
        for t in items[:show]: print(f"  {title}: {t}")

main()
