#!/usr/bin/env python3
"""context-harness.py: do provider-keyed rules find a realistic value written in ordinary code?

A provider-keyed rule reports a key that has no distinctive prefix (32 hex, 40 alphanumerics…)
only next to the provider's name. This harness checks that the name part of such rules is wide
enough for the ways real code and configuration name a credential: `sendgridToken := "…"`,
`SENDGRID_SECRET=…`, `"sendgrid": {"apiKey": "…"}`, a YAML/TOML/HCL block under the provider,
`ENV SENDGRID_API_KEY …`, `-H "X-Sendgrid-Key: …"`, a TypeScript type annotation, …

Everything is driven by the rules' own data, nothing by any corpus:

1. Every rule in `rules/*.toml` of precision medium or high (not identifiers) has its positive
   examples scanned by the binary (`--show-secrets`) to learn the secret each example yields.
2. A rule is *provider-keyed* when none of its keywords occurs in that secret, a keyword that
   looks like a provider name (letters, digits, `_`, `-`; not a generic word) occurs before it on
   the example's line, and the text between them is an assignment (name, separator, quote).
3. For each such rule and each context, a fresh value of the rule's own shape is generated
   (same length; the regex's literal prefix and the examples' common prefix kept; every other
   character replaced by a random one of the same class: a segment that is hex (or digits) in
   every example stays hex of the same case (digits), elsewhere a digit stays a digit and a letter
   keeps its case (the digits of a base32 value stay 2-7); punctuation, and characters all
   examples share at a position, kept in place; drawn again until it matches the rule's own
   `secret` group, so a base58 key gets no 0/O/I/l). These are random, never-issued values, never real secrets.
4. The value is embedded in ~20 ordinary contexts (Go, Python, JS/TS, JSON, Java/Kotlin, Ruby,
   PHP, shell/.env, YAML nested under the provider, TOML, HCL, Dockerfile, XML config and
   elements, Android string resources, curl header) naming the provider the way code does (camelCase, snake, kebab, upper, nested block),
   one file per (rule, context), and the release binary scans them all (`--format json
   --show-secrets`, default confidence).
5. A context is *detected* when a finding's secret is the generated value; *own* when the
   finding is the rule's own. The report lists per family (rules file) and per context the
   figures and, with --misses, which rule misses which context.

Contexts marked `extra` name the provider only outside the assignment (`-u KEY:` with the
provider's URL, a client constructor argument); they are reported separately.

    scripts/context-harness.py [--binary target/release/tokenhound] [--learn-with BINARY] [--rules-dir rules]
        [--work /tmp/ctx-harness] [--seed 12] [--only SUBSTR] [--misses] [--json OUT]

Exit code 0 (a measurement, not a gate). Figures and what is left: eval/context-harness.md.
"""

import argparse
import collections
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tomllib

GENERIC_WORDS = {
    "key", "keys", "token", "tokens", "secret", "secrets", "api", "apikey", "api_key", "api-key",
    "password", "passwd", "pass", "auth", "bearer", "authorization", "client", "access", "private",
    "public", "http", "https", "user", "admin", "login", "webhook", "hook", "bot", "app",
    "account", "config", "service", "server", "session", "cookie", "header", "value", "data",
    "default", "license", "credentials", "credential", "oauth", "sign", "signing", "live", "test",
    "prod", "sandbox", "master", "x-api-key", "client_secret", "client-secret", "access_token",
    "secret_key", "private_key", "auth_token", "curl", "export", "env",
}

KIND_WORDS = {
    "api", "key", "token", "secret", "access", "auth", "client", "private", "app", "application",
    "password", "bearer", "refresh", "account", "master", "admin", "server", "service", "license",
    "webhook", "signing", "consumer", "user", "personal", "management", "deploy", "integration",
    "oauth", "session", "bot", "write", "read", "publishable", "project", "org", "sdk", "ingest",
    "encryption", "shared", "partner", "merchant", "subscription", "developer", "rest", "live",
}
# Rules whose kind is only these words may be named by any of key/token/secret in code.
SWAPPABLE = {"api", "key", "token", "access", "auth"}

# (name, file name, template, kind mode, extra). Placeholders: {v} value; {bc} provider camel
# (sendGrid), {bp} Pascal (SendGrid), {bs} snake (send_grid), {bu} upper snake, {bk} kebab,
# {bl} lower joined (sendgrid), {bh} Pascal-kebab header word (Send-Grid); kind forms
# {kc} camel tail (ApiKey), {ks} snake (api_key), {ku} upper (API_KEY); kind mode "own" uses the
# rule's kind, "token"/"key"/"secret"/"access token" a common alternative when the rule's kind is
# swappable (otherwise its own kind).
CONTEXTS = [
    ("go-short", "main.go", 'package main\n\nfunc main() {\n\t{bc}{kc} := "{v}"\n\t_ = {bc}{kc}\n}\n', "token", False),
    ("go-var", "config.go", 'package config\n\nvar {bc}{kc} string = "{v}"\n', "own", False),
    ("python-const", "settings.py", '{bu}_{ku} = "{v}"\n', "own", False),
    ("python-environ", "app.py", 'import os\n\n{bs}_{ks} = os.environ.get("{bu}_{ku}", "{v}")\n', "key", False),
    ("js-const", "config.js", "const {bc}{kc} = '{v}';\n", "own", False),
    ("ts-typed", "config.ts", 'export const {bc}{kc}: string = "{v}";\n', "token", False),
    ("js-object-nested", "settings.js", "module.exports = {\n  {bc}: {\n    {kc0}: '{v}',\n  },\n};\n", "own", False),
    ("json-nested-inline", "config.json", '{\n  "{bl}": {"{kc0}": "{v}"}\n}\n', "own", False),
    ("json-camel", "appsettings.json", '{\n  "{bc}{kc}": "{v}"\n}\n', "secret", False),
    ("java-const", "Config.java", 'class Config {\n    private static final String {bu}_{ku} = "{v}";\n}\n', "secret", False),
    ("kotlin-val", "Config.kt", 'val {bc}{kc}: String = "{v}"\n', "key", False),
    ("ruby-dotted", "initializer.rb", "config.{bs}.{ks} = '{v}'\n", "token", False),
    ("ruby-hash", "config.rb", "{ {bs}_{ks}: '{v}' }\n", "own", False),
    ("php-array", "config.php", "<?php\nreturn ['{bs}_{ks}' => '{v}'];\n", "own", False),
    ("shell-export", "deploy.sh", "#!/bin/sh\nexport {bu}_{ku}={v}\n", "access token", False),
    ("dotenv-quoted", ".env", '{bu}_{ku}="{v}"\n', "secret", False),
    ("yaml-nested", "config.yaml", "{bs}:\n  {ks}: {v}\n", "own", False),
    ("yaml-kebab", "application.yml", "{bk}-{kk}: \"{v}\"\n", "key", False),
    ("toml-table", "config.toml", '[{bs}]\n{ks} = "{v}"\n', "token", False),
    ("hcl-provider", "main.tf", 'provider "{bs}" {\n  {ks} = "{v}"\n}\n', "own", False),
    ("dockerfile-env", "Dockerfile", "FROM alpine:3.19\nENV {bu}_{ku} {v}\n", "own", False),
    ("xml-appsettings", "app.config", '<appSettings>\n  <add key="{bp}{kc}" value="{v}" />\n</appSettings>\n', "own", False),
    ("xml-element", "settings.xml", "<settings>\n  <{bc}{kc}>{v}</{bc}{kc}>\n</settings>\n", "own", False),
    ("android-string", "strings.xml", '<resources>\n    <string name="{bs}_{ks}">{v}</string>\n</resources>\n', "own", False),
    ("curl-header", "call.sh", 'curl -H "X-{bh}-{kh}: {v}" https://example.net/v1/items\n', "key", False),
    ("curl-user", "login.sh", "curl -u {v}: https://api.{bl}.com/v1/account\n", "own", True),
    ("ctor-arg", "client.py", 'client = {bp}Client("{v}")\n', "own", True),
]


def load_rules(rules_dir):
    rules = []
    for path in sorted(glob.glob(os.path.join(rules_dir, "*.toml"))):
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        for r in doc.get("rule", []):
            r["_file"] = os.path.basename(path)
            rules.append(r)
    return rules


def scan(binary, path):
    out = subprocess.run(
        [binary, "scan", path, "--format", "json", "--show-secrets", "--no-ignore",
         "--no-config", "--fail-on", "never"],
        check=False, capture_output=True, text=True,
    )
    if out.returncode not in (0, 1):
        sys.exit(f"scan failed ({out.returncode}): {out.stderr[:2000]}")
    return json.loads(out.stdout)["findings"]


def regex_literal_prefix(rx):
    """The literal text a rule's `secret` group starts with, if any (`key-`, `sk_live_`)."""
    i = rx.find("(?P<secret>")
    if i < 0:
        return ""
    s = rx[i + len("(?P<secret>"):]
    while True:
        for opener in ("(?-i:", "(?i:", "(?:", "(?-u:\\b)", "\\b"):
            if s.startswith(opener):
                s = s[len(opener):]
                break
        else:
            break
    out = []
    j = 0
    while j < len(s):
        c = s[j]
        if c == "\\" and j + 1 < len(s) and s[j + 1] in ".-_/+:":
            out.append(s[j + 1])
            j += 2
        elif c.isalnum() or c in "-_:/":
            out.append(c)
            j += 1
        else:
            if c in "?*{" and out:
                out.pop()
            break
    return "".join(out)


def common_prefix(vals):
    if len(vals) < 2:
        return ""
    p = os.path.commonprefix(vals)
    return p


def segments(s):
    """Split into (text, is_alnum) runs."""
    return [(m.group(0), m.group(0)[0].isalnum()) for m in re.finditer(r"[A-Za-z0-9]+|[^A-Za-z0-9]+", s)]


HEXL = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
LOW = "abcdefghijklmnopqrstuvwxyz"
UPP = LOW.upper()
DIG = "0123456789"


def secret_pattern(rx):
    """The rule's `secret` group as a Python pattern (None when Python cannot compile it)."""
    i = rx.find("(?P<secret>")
    if i < 0:
        return None
    depth, j = 0, i
    while j < len(rx):
        c = rx[j]
        if c == "\\":
            j += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                break
        j += 1
    body = rx[i:j + 1].replace("(?-u:\\b)", "\\b")
    flags = re.IGNORECASE if re.match(r"\(\?[a-z]*i", rx) else 0
    try:
        return re.compile(body, flags)
    except re.error:
        return None


def make_generator(secrets, rx):
    """A function rng -> new value of the shape of `secrets[0]` (see the module doc)."""
    base = secrets[0]
    keep = regex_literal_prefix(rx)
    if not base.startswith(keep):
        keep = ""
    cp = common_prefix(secrets)
    if len(cp) > len(keep) and len(cp) < len(base):
        keep = cp
    bodies = [s[len(keep):] for s in secrets if s.startswith(keep)]
    body = bodies[0]
    # a character every example has at that position is structure (`…k…` infix), kept
    same = [b for b in bodies if len(b) == len(body)]
    fixed = [len(same) > 1 and all(b[k] == body[k] for b in same) for k in range(len(body))]
    free = "".join(b[k] for b in same for k in range(len(body)) if not fixed[k] and b[k].isalnum())
    segs = []
    k = 0
    for text, alnum in segments(body):
        segs.append((k, text, alnum))
        k += len(text)
    has_hex_letter = any(c in "abcdefABCDEF" for c in free)

    def seg_alpha(k0, n):
        texts = ["".join(b[k] for k in range(k0, k0 + n) if not fixed[k]) for b in same]
        if all(t.isdigit() or not t for t in texts):
            return DIG
        if all(c in HEXL for t in texts for c in t) and has_hex_letter:
            return HEXL
        if all(c in HEXU for t in texts for c in t) and has_hex_letter:
            return HEXU
        return None

    alphas = [seg_alpha(k0, len(t)) if alnum else None for k0, t, alnum in segs]
    # digits of a base32 value (only letters of one case and 2-7 in the examples) are 2-7
    seen = set(free)
    b32 = seen <= set(LOW + "234567") or seen <= set(UPP + "234567")
    dig = "234567" if b32 else DIG
    pat = secret_pattern(rx)

    def one(rng):
        out = [keep]
        for (k0, text, alnum), alpha in zip(segs, alphas):
            if not alnum:
                out.append(text)
                continue
            for k, c in enumerate(text, k0):
                if fixed[k]:
                    out.append(c)
                elif alpha == DIG:
                    out.append(rng.choice(dig))
                elif alpha:
                    out.append(rng.choice(alpha))
                else:
                    # a digit stays a digit, a letter keeps its case
                    out.append(rng.choice(dig if c.isdigit() else LOW if c.islower() else UPP))
        return "".join(out)

    def gen(rng):
        # draw again until the value fits the rule's own secret pattern (a base58 key has no
        # 0, O, I or l); after 200 draws keep the last
        for _ in range(200):
            v = one(rng)
            if pat is None or pat.fullmatch(v):
                return v
        return v

    return gen


def split_words(word):
    parts = [p for p in re.split(r"[_\-\s.]+", word) if p]
    out = []
    for p in parts:
        out.extend(re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", p) or [p])
    return [p.lower() for p in out if p]


def provider_keyword(rule, line, secret):
    """The keyword naming the provider on `line` before `secret`, if the text in between is an
    assignment-like name part; None otherwise."""
    low = line.lower()
    si = line.find(secret)
    if si < 0:
        return None
    best = None
    for kw in rule.get("keywords", []):
        k = kw.lower()
        if k in secret.lower():
            return None
        if len(k) < 3 or k in GENERIC_WORDS or not re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", k):
            continue
        j = low.rfind(k, 0, si)
        if j < 0:
            continue
        between = line[j + len(k):si]
        if len(between) > 48 or "//" in between or "@" in between:
            continue
        if not re.search(r"[=:,]|\s", between) or re.search(r"\s-|/[a-z]+:", between):
            continue
        if best is None or kw_rank(kw) > kw_rank(best):
            best = kw
    return best


def kw_rank(kw):
    """Prefer a keyword that is only the provider's name (no kind word in it), then one whose
    words are spelled apart (`scraping_bee` over `scrapingbee`)."""
    k = kw.lower().strip("_-")
    has_kind = any(w in k for w in ("token", "key", "secret", "api", "pass", "auth"))
    return (not has_kind, len(re.findall(r"[_\-]", k)))


def forms(words):
    pas = "".join(w.capitalize() for w in words)
    return {
        "bc": words[0] + "".join(w.capitalize() for w in words[1:]),
        "bp": pas,
        "bs": "_".join(words),
        "bu": "_".join(words).upper(),
        "bk": "-".join(words),
        "bl": "".join(words),
        "bh": "-".join(w.capitalize() for w in words),
    }


def kind_forms(words):
    pas = "".join(w.capitalize() for w in words)
    return {
        "kc": pas,
        "kc0": words[0] + "".join(w.capitalize() for w in words[1:]),
        "ks": "_".join(words),
        "ku": "_".join(words).upper(),
        "kk": "-".join(words),
        "kh": "-".join(w.capitalize() for w in words),
    }


def rule_kind(rule, name=""):
    """The kind words of a rule's credential: those of the assignment name its example uses
    after the provider's name (`INNGEST_EVENT_KEY` -> event, key), else those of its id."""
    words = [w for w in split_words(name) if w.isalpha()]
    if words and words[-1] in KIND_WORDS | {"pat", "login", "passphrase", "crumb", "id", "sid"}:
        return words[-3:]
    tail = rule["id"].split(".", 1)[-1]
    words = [w for w in re.split(r"[-_.]", tail) if w in KIND_WORDS]
    return words or ["api", "key"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="target/release/tokenhound")
    ap.add_argument("--learn-with", help="binary that learns the secrets of the rules' examples "
                    "(default --binary; pass the newer build when comparing an older --binary, so "
                    "both runs get the same contexts)")
    ap.add_argument("--rules-dir", default="rules")
    ap.add_argument("--work", default="/tmp/ctx-harness")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--only", default="")
    ap.add_argument("--misses", action="store_true", help="list each rule's missed contexts")
    ap.add_argument("--values", type=int, default=10, help="fresh values tried per rule in its "
                    "own first example (finds validators or filters stricter than the format)")
    ap.add_argument("--json", help="write per-rule results here")
    ap.add_argument("--dump", help="write every generated context (rule, context, text, found by "
                    "the rule itself) here as JSON lines")
    args = ap.parse_args()

    rules = [
        r for r in load_rules(args.rules_dir)
        if r.get("precision", "high") in ("medium", "high") and not r.get("identifier")
        and args.only in r["id"]
    ]
    shutil.rmtree(args.work, ignore_errors=True)
    exdir = os.path.join(args.work, "examples")
    os.makedirs(exdir)
    for i, r in enumerate(rules):
        for n, ex in enumerate(r.get("examples", [])):
            with open(os.path.join(exdir, f"{i}-{n}.txt"), "w") as f:
                f.write(ex + "\n")
    secrets = collections.defaultdict(dict)
    for fd in scan(args.learn_with or args.binary, exdir):
        i, n = os.path.basename(fd["path"]).removesuffix(".txt").split("-")
        r = rules[int(i)]
        if fd["rule_id"] == r["id"] and fd.get("secret"):
            secrets[int(i)].setdefault(int(n), fd["secret"])

    keyed = []
    example_of = {}
    for i, r in enumerate(rules):
        found = secrets.get(i, {})
        if not found:
            continue
        kw = None
        name = ""
        for n, sec in sorted(found.items()):
            line = next((ln for ln in r["examples"][n].splitlines() if sec in ln), "")
            kw = provider_keyword(r, line, sec)
            if kw:
                # the rest of the assignment name after the provider keyword
                j = line.lower().rfind(kw.lower(), 0, line.find(sec)) + len(kw)
                m = re.match(r"[A-Za-z0-9_.\-]*", line[j:])
                name = m.group(0) if m else ""
                break
        if not kw:
            continue
        vals = [found[n] for n in sorted(found)]
        # all examples' secrets must share the first one's length to be one shape
        vals = [v for v in vals if len(v) == len(vals[0])]
        keyed.append((i, r, kw, name, make_generator(vals, r["regex"])))
        example_of[i] = (r["examples"][n], found[n])

    gendir = os.path.join(args.work, "contexts")
    expected = {}
    texts = {}
    for i, r, kw, name, gen in keyed:
        rng = random.Random(f"{args.seed}:{r['id']}")
        words = split_words(kw)
        own = rule_kind(r, name)
        swappable = set(own) <= SWAPPABLE
        for name, fname, tpl, kmode, extra in CONTEXTS:
            kind = own if (kmode == "own" or not swappable) else kmode.split()
            vals = dict(forms(words))
            vals.update(kind_forms(kind))
            v = gen(rng)
            vals["v"] = v
            text = tpl
            for k in sorted(vals, key=len, reverse=True):
                text = text.replace("{" + k + "}", vals[k])
            d = os.path.join(gendir, str(i), name)
            os.makedirs(d)
            with open(os.path.join(d, fname), "w") as f:
                f.write(text)
            expected[(i, name)] = v
            texts[(i, name)] = text

    # value robustness: the rule's own first example with its secret replaced by fresh values
    for i, r, kw, name, gen in keyed:
        rng = random.Random(f"{args.seed}:values:{r['id']}")
        ex, sec = example_of[i]
        for n in range(args.values):
            v = gen(rng)
            d = os.path.join(gendir, str(i), f"value-{n}")
            os.makedirs(d)
            with open(os.path.join(d, "example.txt"), "w") as f:
                f.write(ex.replace(sec, v) + "\n")
            expected[(i, f"value-{n}")] = v

    hits = collections.defaultdict(set)
    for fd in scan(args.binary, gendir):
        parts = fd["path"].split(os.sep)
        k = (int(parts[-3]), parts[-2])
        if k in expected and fd.get("secret") == expected[k]:
            hits[k].add(fd["rule_id"])

    per_family = collections.defaultdict(lambda: [0, 0, 0])
    per_ctx = collections.defaultdict(lambda: [0, 0, 0])
    results = []
    tot = [0, 0, 0]
    xtot = [0, 0, 0]
    vtot = [0, 0]
    for i, r, kw, _, gen in keyed:
        missed, missed_own = [], []
        for name, _, _, _, extra in CONTEXTS:
            got = hits.get((i, name), set())
            det, own = bool(got), r["id"] in got
            acc = xtot if extra else tot
            for a in (acc, per_ctx[name]) + (() if extra else (per_family[r["_file"]],)):
                a[0] += det
                a[1] += own
                a[2] += 1
            if not det:
                missed.append(name + ("*" if extra else ""))
            if not own:
                missed_own.append(name + ("*" if extra else ""))
        rejected = [expected[(i, f"value-{n}")] for n in range(args.values)
                    if r["id"] not in hits.get((i, f"value-{n}"), set())]
        vtot[0] += args.values - len(rejected)
        vtot[1] += args.values
        results.append({"id": r["id"], "file": r["_file"], "provider": kw, "missed": missed,
                        "missed_own": missed_own, "rejected_values": rejected})

    print(f"provider-keyed rules: {len(keyed)} of {len(rules)} medium/high rules")
    print(f"contexts detected (any rule) {tot[0]}/{tot[2]} ({tot[0] / max(tot[2], 1):.3f}); "
          f"by the rule itself {tot[1]}/{tot[2]}; extra contexts {xtot[0]}/{xtot[2]}")
    print(f"fresh values in the rule's own example found by the rule: {vtot[0]}/{vtot[1]}")
    print("\nper context (any / own / total):")
    for name, *_ in CONTEXTS:
        a = per_ctx[name]
        print(f"  {name:20} {a[0]:5} {a[1]:5} {a[2]:5}")
    print("\nper rules file (any / own / total):")
    for fam in sorted(per_family):
        a = per_family[fam]
        print(f"  {fam:32} {a[0]:5} {a[1]:5} {a[2]:5}")
    if args.misses:
        print("\ncontexts the rule itself misses (* = extra context; ! = no rule finds it):")
        for res in results:
            if res["missed_own"]:
                ms = [m + ("!" if m in res["missed"] else "") for m in res["missed_own"]]
                print(f"  {res['id']:40} [{res['provider']}] {' '.join(ms)}")
    if args.misses:
        print("\nfresh values the rule rejects in its own example:")
        for res in results:
            if res["rejected_values"]:
                print(f"  {res['id']:40} {len(res['rejected_values'])}/{args.values}: "
                      f"{' '.join(res['rejected_values'][:3])}")
    if args.dump:
        with open(args.dump, "w") as f:
            for (i, name), text in sorted(texts.items()):
                own = rules[i]["id"] in hits.get((i, name), set())
                f.write(json.dumps({"rule": rules[i]["id"], "context": name, "text": text,
                                    "own": own}) + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"total": tot, "extra": xtot, "rules": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
