#!/usr/bin/env python3
"""Write generated (never issued) seed inputs for the fuzz targets into fuzz/corpus/<target>/.

Seeds are built at run time from random bytes so no token-shaped literal is committed. Each seed
starts with three control bytes (secret slice start, length, commit-time switch) that
fuzz_targets/common.rs reads; 0/255/0 means "the whole text is the token".
"""
import base64, json, os, random, struct, sys, zlib

rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
HEAD = bytes([0, 255, 0])


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def rnd(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def jwt(h, c):
    return ".".join([b64u(json.dumps(h).encode()), b64u(json.dumps(c).encode()), b64u(rnd(64))])


def write(target, items):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    for i, s in enumerate(items):
        with open(os.path.join(d, f"seed{i:03d}"), "wb") as fh:
            fh.write(HEAD + (s.encode() if isinstance(s, str) else s))


now = 1793491200
write("jwt", [
    jwt({"alg": "RS256", "kid": "k"}, {"iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "ns",
        "kubernetes.io/serviceaccount/service-account.name": "sa", "sub": "system:serviceaccount:ns:sa"}),
    jwt({"alg": "RS256"}, {"aud": ["x"], "exp": now + 31536000, "iat": now, "iss": "https://k",
        "kubernetes.io": {"namespace": "n", "pod": {"name": "p"}, "serviceaccount": {"name": "s"}, "warnafter": now + 3607}}),
    jwt({"alg": "none", "typ": "at+jwt"}, {"scope": "write:all", "scp": ["a.admin"], "roles": ["r"], "nonce": "n"}),
    "token: " + jwt({"alg": "HS256", "jku": "x"}, {"iss": "https://accounts.google.com", "aud": "c", "exp": 1.5e9}),
])


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(t, d):
    return bytes([t]) + varint(len(d)) + d


def pypi(cavs):
    b = b"\x02" + field(1, b"pypi.org") + field(2, b"00000000-0000-0000-0000-000000000000") + b"\x00"
    for c in cavs:
        b += field(2, c.encode()) + b"\x00"
    b += b"\x00" + field(6, rnd(32))
    return "pypi-" + b64u(b)


write("pypi", [
    pypi(['[1,["p"]]', '[2,["u"]]']),
    pypi(['{"version":1,"permissions":"user"}', '{"nbf":1,"exp":2}']),
    pypi(['[3,"u"]', f'[0,{now + 900},{now}]', '[4,"pub"]', '[5,[]]']),
])


def mp(v):
    # tiny MessagePack encoder for seeds
    if isinstance(v, bool):
        return b"\xc3" if v else b"\xc2"
    if isinstance(v, int):
        return b"\xcf" + struct.pack(">Q", v) if v >= 0 else b"\xd3" + struct.pack(">q", v)
    if isinstance(v, str):
        e = v.encode()
        return bytes([0xD9, len(e)]) + e
    if isinstance(v, bytes):
        return bytes([0xC4, len(v)]) + v
    if isinstance(v, list):
        return bytes([0xDC]) + struct.pack(">H", len(v)) + b"".join(mp(x) for x in v)
    if isinstance(v, dict):
        return bytes([0xDE]) + struct.pack(">H", len(v)) + b"".join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(v)


def fly(cavs):
    tok = [[rnd(8), rnd(16), True], "https://api.fly.io/v1", cavs, rnd(32)]
    return "FlyV1 fm2_" + base64.b64encode(mp(tok)).decode()


write("flyio", [
    fly([0, [123456, 31], 3, [{987654: 31}], 4, [1767225600, 2397945600]]),
    fly([0, [1, 1], 11, ["https://api.fly.io/aaa/v1", rnd(8), rnd(16)], 27, [[["uptime"], True]]]),
    fly([0, [1, 31], 16, [{"c": 31}], 5, [{"ssh": 31}], 13, [[], 1]]),
])
sig = b64u(rnd(32))
write("sas", [
    f"https://a.blob.core.windows.net/c?sp=r&st=2024-03-27T00:39:13Z&se=2024-06-08T00:39:13Z&spr=https&sv=2022-11-02&sr=c&sig={sig}",
    f"BlobEndpoint=https://a/;SharedAccessSignature=sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2099-12-31T00%3A00%3A00Z&sig={sig}",
    f"sr=c&si=policy&sig={sig}",
])
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
write("aws", ["AKIA" + "".join(rng.choice(B32) for _ in range(16)), "ASIA" + "".join(rng.choice(B32) for _ in range(16)) + "\naws_secret_access_key = x"])
write("gcp", [json.dumps({"type": "service_account", "project_id": "p", "private_key_id": "0" * 40,
                          "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                          "client_email": "1-compute@developer.gserviceaccount.com"}, indent=2)])
A62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def b62(n, w):
    s = ""
    while n:
        s = A62[n % 62] + s
        n //= 62
    return s.rjust(w, "0")


body = "".join(rng.choice(A62) for _ in range(30))
write("github", ["ghp_" + body + b62(zlib.crc32(body.encode()), 6),
                 "github_pat_11AC6GCTQ0" + "".join(rng.choice(A62) for _ in range(12)) + "_" + "".join(rng.choice(A62) for _ in range(59)),
                 "ghs_123_" + jwt({"alg": "RS256"}, {"exp": now})])
low = "abcdefghijklmnopqrstuvwxyz0123456789"
tid = "".join(rng.choice(low) for _ in range(6))
tsec = "".join(rng.choice(low) for _ in range(16))
write("kubeadm", [
    f"apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nbootstrapTokens:\n- groups:\n  - g\n  token: {tid}.{tsec}\n  ttl: \"0\"\n",
    f"kubeadm init \\\n  --token {tid}.{tsec} \\\n  --token-ttl=48h\n",
    f"apiVersion: v1\nkind: Secret\ntype: bootstrap.kubernetes.io/token\ndata:\n  token-secret: {base64.b64encode(tsec.encode()).decode()}\n  expiration: {base64.b64encode(b'2025-01-01T00:00:00Z').decode()}\n",
])
write("manifest_audit", [
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  volumes:\n  - projected:\n      sources:\n      - serviceAccountToken:\n          expirationSeconds: 99999\n---\nkind: TokenRequest\napiVersion: v1\nspec:\n  audiences: []\n",
    "kubectl create token sa --duration=8760h\n",
])
print("seeds written to", root)
