#!/usr/bin/env python3
"""pkgtree.py --repos REPOS.json --trees DIR : write each package's published source as a tree.

For sets built from package registries (the `fetch` tool being out of order): each entry of
repos.json has "repo": "pypi/<name>" or "npm/<name>" (scoped npm names: "npm/@scope+name"),
"package": "<name>==<version>" (pypi) or "<name>@<version>" (npm). The source archive (PyPI
sdist, npm tarball) is downloaded with pip / npm from the registry, unpacked into
DIR/<pypi|npm>+<name>/repo, and made a one-commit git repository holding every file, like
collect.py's checkout. Prints the archive's sha256 for the "commit" field (fill it in before
any tool runs: `--print-hashes` only downloads and prints).
"""
import argparse, hashlib, json, os, re, shutil, subprocess, sys, tarfile, tempfile, zipfile


def fetch(entry, tmp):
    eco = entry["repo"].split("/", 1)[0]
    pkg = entry["package"]
    if eco == "pypi":
        # PEP 691 JSON simple index: the version's sdist (.tar.gz or .zip), no code run
        name, version = pkg.split("==")
        norm = re.sub(r"[-_.]+", "-", name).lower()
        idx = json.loads(subprocess.run(
            ["curl", "-sf", "-H", "Accept: application/vnd.pypi.simple.v1+json",
             f"https://pypi.org/simple/{norm}/"], capture_output=True, check=True).stdout)
        want = re.compile(rf"^{'[-_.]'.join(map(re.escape, norm.split('-')))}-{re.escape(version)}\.(tar\.gz|zip)$", re.I)
        files = [f for f in idx["files"] if want.match(f["filename"])]
        if not files:
            sys.exit(f"{pkg}: no sdist of that version on PyPI")
        f = files[0]
        out = os.path.join(tmp, f["filename"])
        subprocess.run(["curl", "-sf", "-o", out, f["url"]], check=True)
        if hashlib.sha256(open(out, "rb").read()).hexdigest() != f["hashes"]["sha256"]:
            sys.exit(f"{pkg}: sha256 mismatch")
    elif eco == "npm":
        # the registry's tarball, install scripts not run
        subprocess.run(["npm", "pack", "--silent", "--ignore-scripts", pkg], check=True, cwd=tmp,
                       stdout=subprocess.DEVNULL)
    else:
        sys.exit(f"unknown ecosystem {eco}")
    files = [os.path.join(tmp, f) for f in os.listdir(tmp)]
    if len(files) != 1:
        sys.exit(f"{pkg}: expected one archive, got {files}")
    return files[0]


def unpack(archive, dest):
    os.makedirs(dest)
    if archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(dest)
    else:
        with tarfile.open(archive) as t:
            t.extractall(dest, filter="data")
    # one top directory (name-version/ or package/): lift its contents
    tops = os.listdir(dest)
    if len(tops) == 1 and os.path.isdir(os.path.join(dest, tops[0])):
        top = os.path.join(dest, tops[0])
        for f in os.listdir(top):
            shutil.move(os.path.join(top, f), os.path.join(dest, f))
        os.rmdir(top)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", required=True)
    ap.add_argument("--trees", required=True)
    ap.add_argument("--print-hashes", action="store_true")
    a = ap.parse_args()
    for e in json.load(open(a.repos)):
        with tempfile.TemporaryDirectory() as tmp:
            arc = fetch(e, tmp)
            h = hashlib.sha256(open(arc, "rb").read()).hexdigest()
            if a.print_hashes:
                print(e["repo"], e["package"], h)
                continue
            if e.get("commit") and e["commit"] != h:
                sys.exit(f"{e['repo']}: archive sha256 {h} is not the recorded {e['commit']}")
            dest = os.path.join(a.trees, e["repo"].replace("/", "+"), "repo")
            if os.path.exists(dest):
                print(f"{dest} exists, left alone", file=sys.stderr)
                continue
            unpack(arc, dest)
            g = ["git", "-C", dest, "-c", "user.name=snapshot", "-c", "user.email=snapshot@localhost"]
            subprocess.run(g[:3] + ["init", "-q"], check=True)
            subprocess.run(g + ["add", "-A", "-f"], check=True)
            subprocess.run(g + ["commit", "-q", "-m", f"package {e['package']} {h}"], check=True)
            n = sum(len(fs) for _, _, fs in os.walk(dest)) 
            print(f"{e['repo']}: {e['package']} unpacked, sha256 {h}", file=sys.stderr)


if __name__ == "__main__":
    main()
