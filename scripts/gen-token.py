#!/usr/bin/env python3
"""Generate random, never-issued, format-valid tokens for rule examples and fixtures.

usage: scripts/gen-token.py KIND [N]
KIND: one of the names in KINDS below (ghp, npm, glpat-routable, jwt, aws-akia, pypi, slack-bot, ...)
Importable: `import importlib; g = importlib.import_module("gen-token")` gives the generators.
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


def gitlab_routable(prefix="glpat-", payload=None):
    payload = payload or (b"o:1\nu:" + b36(random.randint(1, 10**7), 1).encode())
    raw = bytes(random.getrandbits(8) for _ in range(16)) + payload + bytes([len(payload)])
    b64 = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    head = prefix + b64 + ".01." + b36(len(b64), 2)
    return head + b36(zlib.crc32(head.encode()), 7)


def glpat_routable():
    return gitlab_routable("glpat-")


def b64u(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def jwt(claims=None, header=None):
    header = header or {"alg": "RS256", "typ": "JWT"}
    claims = claims or {"sub": "user-" + rnd(6), "aud": "api", "iat": 1900000000, "exp": 1900003600}
    return b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode()) + "." + b64u(bytes(random.getrandbits(8) for _ in range(64)))


def rbytes(n):
    return bytes(random.getrandbits(8) for _ in range(n))


def pypi(caveats=None):
    """A libmacaroons v2 macaroon for pypi.org, base64url, with JSON caveats (random signature)."""
    import uuid

    def field(t, b):
        return bytes([t, len(b)]) + b  # lengths < 128 fit a one-byte varint

    caveats = caveats or [[3, str(uuid.uuid4())]]
    out = b"\x02" + field(1, b"pypi.org") + field(2, str(uuid.uuid4()).encode()) + b"\x00"
    for c in caveats:
        out += field(2, json.dumps(c, separators=(",", ":")).encode()) + b"\x00"
    out += b"\x00" + field(6, rbytes(32))
    return "pypi-" + b64u(out)


def fly():
    body = b"\x94\x93\xc4\x10" + rbytes(16) + b"\xc4\x10" + rbytes(16) + rbytes(120)
    return "FlyV1 fm2_" + base64.b64encode(body).decode()


def aws_secret():
    return rnd(40, ALNUM + "/+")


def azure_storage_key():
    return base64.b64encode(rbytes(64)).decode()


def _marvin64(data, seed):
    m = 0xFFFFFFFF
    p0, p1 = seed & m, seed >> 32

    def block(p0, p1):
        rol = lambda v, r: ((v << r) | (v >> (32 - r))) & m
        p1 ^= p0; p0 = rol(p0, 20); p0 = (p0 + p1) & m; p1 = rol(p1, 9)
        p1 ^= p0; p0 = rol(p0, 27); p0 = (p0 + p1) & m; p1 = rol(p1, 19)
        return p0, p1

    whole = len(data) // 4 * 4
    for i in range(0, whole, 4):
        p0 = (p0 + int.from_bytes(data[i:i + 4], "little")) & m
        p0, p1 = block(p0, p1)
    rest = data[whole:]
    p0 = (p0 + ((0x80 << (8 * len(rest))) | int.from_bytes(rest, "little"))) & m
    p0, p1 = block(p0, p1)
    p0, p1 = block(p0, p1)
    return (p1 << 32) | p0


def azure_identifiable(n=64, signature="+ASt", seed_name=b"Default0"):
    """An identifiable Azure key: random bytes, signature at its base64-aligned slot, Marvin32
    checksum of all but the last 4 bytes in the last 4 bytes (little-endian)."""
    seed = int.from_bytes(seed_name, "big")
    key = bytearray(rbytes(n))
    sig = base64.b64decode(signature)
    pad = ((n - 7) * 8) % 6
    mask = {2: 0xFCFFFFFF, 4: 0xF0FFFFFF}.get(pad, 0xFFFFFFFF)
    word = (key[n - 8] << 24) & mask
    word |= sig[0] << (16 + pad) | sig[1] << (8 + pad) | sig[2] << pad
    key[n - 8:n - 4] = word.to_bytes(4, "big")
    h = _marvin64(bytes(key[:n - 4]), seed)
    key[n - 4:] = (((h >> 32) ^ h) & 0xFFFFFFFF).to_bytes(4, "little")
    return base64.b64encode(bytes(key)).decode()


def sas_sig():
    import urllib.parse
    return urllib.parse.quote(base64.b64encode(rbytes(32)).decode(), safe="")


def bootstrap():
    a = string.ascii_lowercase + string.digits
    return rnd(6, a) + "." + rnd(16, a)


KINDS = {
    "ghp": lambda: crc_token("ghp_", 30),
    "gho": lambda: crc_token("gho_", 30),
    "ghu": lambda: crc_token("ghu_", 30),
    "ghs": lambda: crc_token("ghs_", 30),
    "ghr": lambda: crc_token("ghr_", 70),
    "ghr36": lambda: crc_token("ghr_", 30),
    "npm": lambda: crc_token("npm_", 30),
    "github_pat": lambda: "github_pat_11" + rnd(20) + "_" + rnd(59),
    "glpat-routable": glpat_routable,
    "glpat": lambda: "glpat-" + rnd(20, ALNUM + "_-"),
    "jwt": jwt,
    "aws-akia": lambda: "AKIA" + rnd(16, string.ascii_uppercase + "234567"),
    "aws-asia": lambda: "ASIA" + rnd(16, string.ascii_uppercase + "234567"),
    "aws-secret": aws_secret,
    "pypi": pypi,
    "fly": fly,
    "slack-bot": lambda: "xoxb-" + rnd(12, string.digits) + "-" + rnd(13, string.digits) + "-" + rnd(24),
    "slack-user": lambda: "xoxp-" + "-".join(rnd(12, string.digits) for _ in range(3)) + "-" + rnd(32, "0123456789abcdef"),
    "stripe": lambda: "sk_live_51" + rnd(97),
    "openai": lambda: "sk-proj-" + rnd(74, ALNUM + "_-") + "T3BlbkFJ" + rnd(74, ALNUM + "_-"),
    "anthropic": lambda: "sk-ant-api03-" + rnd(93, ALNUM + "_-") + "AA",
    "google-api": lambda: "AIza" + rnd(35, ALNUM + "_-"),
    "ya29": lambda: "ya29." + rnd(150, ALNUM + "_-"),
    "google-refresh": lambda: "1//0" + rnd(99, ALNUM + "_-"),
    "azure-storage-key": azure_storage_key,
    "sas-sig": sas_sig,
    "azure-storage-identifiable": azure_identifiable,
    "azure-servicebus-identifiable": lambda: azure_identifiable(32, "+ASb", b"Send0000"),
    "bootstrap": bootstrap,
    "hf": lambda: "hf_" + rnd(34, string.ascii_letters),
    "dckr": lambda: "dckr_pat_" + rnd(27, ALNUM + "_-"),
}


# rules-b (issue 12): structured provider formats used by rules/b-*.toml examples
HEX = "0123456789abcdef"
B32L = "abcdefghijklmnopqrstuvwxyz234567"
KINDS.update({
    "telnyx": lambda: "KEY" + rnd(32, "0123456789ABCDEF") + "_" + rnd(22),
    "rapidapi": lambda: rnd(10, HEX) + "msh" + rnd(15, HEX) + "p1" + rnd(6, HEX) + "jsn" + rnd(12, HEX),
    "paddle": lambda: "pdl_live_apikey_" + rnd(26, string.ascii_lowercase + string.digits) + "_" + rnd(22) + "_" + rnd(3, string.ascii_lowercase + string.digits),
    "onesignal": lambda: "os_v2_app_" + rnd(113, B32L),
    "mercadopago": lambda: "APP_USR-" + rnd(16, string.digits) + "-" + rnd(6, string.digits) + "-" + rnd(32, HEX) + "-" + rnd(9, string.digits),
    "openrouter": lambda: "sk-or-v1-" + rnd(64, HEX),
    "pinecone": lambda: "pcsk_" + rnd(6) + "_" + rnd(63),
    "scrapfly": lambda: "scp-live-" + rnd(32, HEX),
    "zoho": lambda: "1000." + rnd(32, HEX) + "." + rnd(32, HEX),
    "trello-atta": lambda: "ATTA" + rnd(64, HEX) + rnd(8, "0123456789ABCDEF"),
    "portainer": lambda: "ptr_" + base64.b64encode(rbytes(32)).decode(),
    "nats-user-seed": lambda: nkey_seed(20 << 3),
    "nats-account-seed": lambda: nkey_seed(0),
    "nats-operator-seed": lambda: nkey_seed(14 << 3),
    "nats-curve-seed": lambda: nkey_seed(23 << 3),
    "bcrypt": lambda: "$2b$12$" + rnd(53, "./" + ALNUM),
})


def crc16_xmodem(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def nkey_seed(public):
    """A NATS NKey seed (nats-io/nkeys strkey.go EncodeSeed): seed prefix byte 18<<3 OR'd with the
    public prefix's high bits, then its low bits, 32 random bytes, CRC-16/XMODEM little-endian,
    base32 without padding (58 characters)."""
    raw = bytes([(18 << 3) | (public >> 5), (public & 31) << 3]) + rbytes(32)
    raw += crc16_xmodem(raw).to_bytes(2, "little")
    return base64.b32encode(raw).decode().rstrip("=")


def _der(tag, body, indefinite=False):
    if indefinite:
        return bytes([tag, 0x80]) + body + b"\0\0"
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    elif n < 0x100:
        head = bytes([0x81, n])
    else:
        head = bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + head + body


def pkcs12_der(n=1200, indefinite=False, content_oid_last=1, version=3, key=True):
    """A PKCS#12 (RFC 7292) PFX skeleton with random bytes for its content and MAC: the header a
    scanner recognises and (key=True) a pkcs8ShroudedKeyBag's type, nothing any tool could open.
    key=False: a trust store's shape (certificate bag type instead)."""
    oid = bytes.fromhex("2a864886f70d0107") + bytes([content_oid_last])
    bag = bytes.fromhex("2a864886f70d010c0a01") + bytes([2 if key else 3])
    safe = _der(0x30, _der(0x30, _der(0x06, bag) + _der(0xA0, rbytes(n))))
    content = _der(0xA0, _der(0x04, safe), indefinite)
    info = _der(0x30, _der(0x06, oid) + content, indefinite)
    mac = _der(0x30, rbytes(49))
    return _der(0x30, _der(0x02, bytes([version])) + info + mac, indefinite)


def java_keystore(key=True, magic=0xFEEDFEED, version=2, n=600):
    """A Java key store (OpenJDK JavaKeyStore layout) with one entry of random bytes: a private-key
    entry (key=True) or a trusted certificate (a trust store); nothing any tool could open."""
    import struct
    utf = lambda t: struct.pack(">H", len(t)) + t
    date = struct.pack(">Q", 1700000000000)
    cert = (utf(b"X.509") if version == 2 else b"") + struct.pack(">I", 300) + rbytes(300)
    if key:
        entry = struct.pack(">I", 1) + utf(b"server") + date + struct.pack(">I", n) + rbytes(n) + struct.pack(">I", 1) + cert
    else:
        entry = struct.pack(">I", 2) + utf(b"rootca") + date + cert
    return struct.pack(">III", magic, version, 1) + entry + rbytes(20)


# PKCS#12 archives, base64 (a Kubernetes secret's or CI variable's value)
KINDS.update({
    "pkcs12": lambda: base64.b64encode(pkcs12_der()).decode(),
    "pkcs12-ber": lambda: base64.b64encode(pkcs12_der(indefinite=True)).decode(),
})


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    if kind not in KINDS:
        sys.exit(__doc__ + "\nkinds: " + " ".join(KINDS))
    for _ in range(n):
        print(KINDS[kind]())


if __name__ == "__main__":
    main()
