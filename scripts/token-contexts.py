#!/usr/bin/env python3
"""token-contexts.py: is a self-identifying token found wherever text can put it?

A prefixed rule (`ghp_…`, `glpat-…`, `csk-…`) needs no name next to its token, but its regex
still has a leading and a trailing boundary, and text puts tokens after and before many
characters: a URL query's percent-escapes (`%22`, `%3A`), a string literal's `\\n`, brackets,
a sentence's full stop. This checks, from the rules' own data only (no corpus), that each
prefixed rule still finds its own token in such contexts:

1. every rule in `rules/*.toml` that is not generic has its first positive example scanned by
   the binary (`--show-secrets`) to learn the secret it yields;
2. a rule is *prefixed* when one of its keywords occurs in that secret (the token names itself);
3. the secret is written into each context below, one file per (rule, context), and the binary
   scans them all (`--format json`, default confidence); a context counts as found when the
   rule's own finding is in its file.

The report gives, per context, how many prefixed rules miss their token, with a few rule ids.
Rules whose regex asks for a provider name before the token miss every context (by design).

    scripts/token-contexts.py [--binary target/release/tokenhound] [--work /tmp/token-contexts]

Exit code 0 (a measurement, not a gate).
"""

import argparse
import collections
import glob
import json
import os
import shutil
import subprocess
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))

# (name, template): {s} is the token
CONTEXTS = [
    ("plain", "token: {s}"),
    ("query-amp", "https://x.example/cb?token={s}&state=1"),
    ("paren", "login({s})"),
    ("bracket", "keys = [{s}]"),
    ("brace", "cfg = {{{s}}}"),
    ("single-quote", "t = '{s}'"),
    ("backtick", "t = `{s}`"),
    ("escape-after", 'x = "{s}\\n"'),
    ("escape-before", 'x = "# key\\n{s}"'),
    ("pct-quote", "q=%22{s}%22"),
    ("pct-colon", "q=token%3A{s}"),
    ("pct-comma", "q=a%2C{s}"),
    ("pct-amp", "q=a%26{s}"),
    ("pct-bracket", "q=%5B{s}%5D"),
    ("pct-space", "q=Bearer%20{s}"),
    ("pct-equals", "q=token%3D{s}"),
    ("semicolon", "export T={s};"),
    ("pipe", "echo {s}| login"),
    ("angle", "<{s}>"),
    ("comma", 'f("{s}", 1)'),
    ("full-stop", "use the token {s}."),
    ("bearer", "Authorization: Bearer {s}"),
    ("trailing-blank", "token: {s}   "),
    ("tab", "token:\t{s}"),
    ("userinfo", "https://user:{s}@example.com/x"),
    ("json-array", '["{s}"]'),
    ("crlf", "token={s}\r"),
    ("html-attr", '<input value="{s}">'),
    ("yaml-list", "- {s}"),
]


def scan(binary, path, secrets):
    args = [binary, "scan", path, "--no-ignore", "--format", "json"]
    if secrets:
        args.append("--show-secrets")
    out = subprocess.run(args, capture_output=True, text=True).stdout
    return json.loads(out)["findings"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(HERE, "..", "target", "release", "tokenhound"))
    ap.add_argument("--rules-dir", default=os.path.join(HERE, "..", "rules"))
    ap.add_argument("--work", default="/tmp/token-contexts")
    a = ap.parse_args()

    rules = []
    for f in sorted(glob.glob(os.path.join(a.rules_dir, "*.toml"))):
        with open(f, "rb") as fh:
            rules.extend(tomllib.load(fh).get("rule", []))
    shutil.rmtree(a.work, ignore_errors=True)
    examples, variants = os.path.join(a.work, "examples"), os.path.join(a.work, "contexts")
    os.makedirs(examples)
    os.makedirs(variants)
    for i, r in enumerate(rules):
        if not r["id"].startswith("generic.") and r.get("examples"):
            with open(os.path.join(examples, f"{i}.txt"), "w") as fh:
                fh.write(r["examples"][0] + "\n")
    secret_of = {}
    for f in scan(a.binary, examples, True):
        i = int(os.path.basename(f["path"]).split(".")[0])
        if f["rule_id"] == rules[i]["id"] and i not in secret_of:
            secret_of[i] = f["secret"]

    meta = {}
    for i, s in secret_of.items():
        keywords = [k.lower() for k in rules[i].get("keywords", [])]
        if "\n" in s or not any(k in s.lower() for k in keywords):
            continue
        for name, template in CONTEXTS:
            fn = f"{i}-{name}.txt"
            with open(os.path.join(variants, fn), "w", newline="") as fh:
                fh.write(template.format(s=s) + "\n")
            meta[fn] = (rules[i]["id"], name)
    found = {
        os.path.basename(f["path"])
        for f in scan(a.binary, variants, False)
        if meta.get(os.path.basename(f["path"]), (None,))[0] == f["rule_id"]
    }
    missed = collections.defaultdict(list)
    for fn, (rid, name) in meta.items():
        if fn not in found:
            missed[name].append(rid)
    print(f"prefixed rules: {len({m[0] for m in meta.values()})}")
    total = len({m[0] for m in meta.values()})
    for name, _ in CONTEXTS:
        ids = sorted(missed[name])
        print(f"  {name:15} missed {len(ids):4} / {total}  {', '.join(ids[:5])}")


if __name__ == "__main__":
    main()
