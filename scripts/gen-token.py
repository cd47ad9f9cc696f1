#!/usr/bin/env python3
"""Generate random, never-issued, format-valid tokens for rule examples and fixtures.

usage: scripts/gen-token.py KIND [N]
KIND: ghp gho ghu ghs ghr ghr36 npm github_pat glpat-routable jwt aws-akia aws-asia
"""
import base64, binascii, json, random, string, sys, zlib

A62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits


def b62(n, w):
    s = ""
    while n:
        s = A62[n % 62] + s
        n //= 62
    return s.rjust(w, "0")


def rnd(n, alphabet=ALNUM):
    return "".join(random.choice(alphabet) for _ in range(n))


def crc_token(prefix, n):
    body = rnd(n)
    return prefix + body + b62(zlib.crc32(body.encode()), 6)


def b36(n, w):
    d = string.digits + string.ascii_lowercase
    s = ""
    while n:
        s = d[n % 36] + s
        n //= 36
    return s.rjust(w, "0")


def glpat_routable():
    payload = b"o:1\nu:" + b36(random.randint(1, 10**7), 1).encode()
    raw = bytes(random.getrandbits(8) for _ in range(16)) + payload + bytes([len(payload)])
    b64 = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    head = "glpat-" + b64 + ".01." + b36(len(b64), 2)
    return head + b36(zlib.crc32(head.encode()), 7)


def b64u(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def jwt(claims=None, header=None):
    header = header or {"alg": "RS256", "typ": "JWT"}
    claims = claims or {"sub": "user-" + rnd(6), "aud": "api", "iat": 1900000000, "exp": 1900003600}
    return b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode()) + "." + b64u(bytes(random.getrandbits(8) for _ in range(64)))


def main():
    kind = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    for _ in range(n):
        if kind in ("ghp", "gho", "ghu", "ghs"):
            print(crc_token(kind + "_", 30))
        elif kind == "ghr":
            print(crc_token("ghr_", 70))
        elif kind == "ghr36":
            print(crc_token("ghr_", 30))
        elif kind == "npm":
            print(crc_token("npm_", 30))
        elif kind == "github_pat":
            print("github_pat_11" + rnd(20) + "_" + rnd(59))
        elif kind == "glpat-routable":
            print(glpat_routable())
        elif kind == "jwt":
            print(jwt())
        elif kind == "aws-akia":
            print("AKIA" + rnd(16, string.ascii_uppercase + "234567"))
        elif kind == "aws-asia":
            print("ASIA" + rnd(16, string.ascii_uppercase + "234567"))
        else:
            sys.exit(__doc__)


main()
