#!/usr/bin/env python3
"""Makes the Auth test fixtures with an implementation independent of ours.

Run once from this folder with a Python that has PyJWT and cryptography
(Debian: python3-jwt, python3-cryptography):

    cd Tests/AuthTests/Fixtures && /usr/bin/python3 make_fixtures.py

It writes test keys (*.pem, h1.secret), a revocation list, and tokens.json
(name -> token). Every token carries fixed times around NOW below, so the
Swift tests verify them with an injected clock and never need Python.
The keys are throwaway test keys; nothing here protects anything.
"""
import base64
import hashlib
import hmac
import json
import os
import secrets

import jwt  # PyJWT
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))

NOW = 1700001000          # the tests' injected clock
IAT = 1700000000
EXP = 1700003600
ISS = "https://auth.example"
AUD = "streamd"


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(HERE, name), mode) as f:
        f.write(data)


def pem_private(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def pem_public(key, fmt=serialization.PublicFormat.SubjectPublicKeyInfo):
    return key.public_key().public_bytes(serialization.Encoding.PEM, fmt)


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(obj):
    return b64url(json.dumps(obj, separators=(",", ":")))


# --- keys -------------------------------------------------------------------
k1 = ec.generate_private_key(ec.SECP256R1())
k2 = ec.generate_private_key(ec.SECP256R1())
p384 = ec.generate_private_key(ec.SECP384R1())
r1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
h1_secret = secrets.token_urlsafe(48)          # 64 characters of text

write("k1.priv.pem", pem_private(k1))
write("k1.pub.pem", pem_public(k1))
write("k2.priv.pem", pem_private(k2))
write("k2.pub.pem", pem_public(k2))
write("p384.pub.pem", pem_public(p384))
write("r1.priv.pem", pem_private(r1))
write("r1.pub.pem", pem_public(r1))
write("r1.pkcs1.pub.pem", pem_public(r1, serialization.PublicFormat.PKCS1))
write("h1.secret", h1_secret + "\n")            # trailing newline is trimmed
write("short.secret", "only-twenty-bytes-xx\n")
write("revoked.txt", "# revoked token ids, one per line\n\nrevoked-jti-1\n  revoked-jti-2  \n# end\n")

k1_pub_pem = pem_public(k1)


# --- token helpers ----------------------------------------------------------
def claims(**overrides):
    c = {"sub": "acct-1", "iat": IAT, "exp": EXP, "iss": ISS, "aud": AUD,
         "jti": "jti-ok", "roles": ["trader"], "channels": ["tick:*"]}
    for k, v in overrides.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def pyjwt(payload, key, alg, kid="k1", **extra_headers):
    headers = dict(extra_headers)
    if kid is not None:
        headers["kid"] = kid
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


def es256(payload, kid="k1", key=k1, **h):
    return pyjwt(payload, key, "ES256", kid, **h)


def by_hand_hs256(header, payload, secret):
    """PyJWT refuses PEM text as an HMAC secret, so the attack is built here."""
    signing_input = segment(header) + "." + segment(payload)
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def by_hand_es256(header_json_text, payload, key=k1):
    """Signs an exact header text (for headers json.dumps cannot express)."""
    signing_input = b64url(header_json_text) + "." + segment(payload)
    der = key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def with_last_char(token, change):
    v = ALPHABET.index(token[-1])
    return token[:-1] + ALPHABET[change(v)]


tokens = {}
valid = es256(claims())
tokens["valid_es256"] = valid
tokens["valid_es256_k2"] = es256(claims(sub="acct-2"), kid="k2", key=k2)
tokens["valid_rs256"] = pyjwt(claims(), r1, "RS256", kid="r1")
tokens["valid_hs256"] = pyjwt(claims(), h1_secret, "HS256", kid="h1")
tokens["valid_minimal"] = es256({"sub": "acct-min", "exp": EXP})
tokens["valid_float_times"] = es256(claims(exp=EXP + 0.75, iat=IAT + 0.25, nbf=IAT - 0.5))
tokens["aud_array_with_ours"] = es256(claims(aud=["other", AUD]))
tokens["jku_header_ignored"] = es256(claims(), jku="https://attacker.example/jwks.json",
                                     x5u="https://attacker.example/cert.pem")
tokens["missing_kid"] = es256(claims(), kid=None)

tokens["expired"] = es256(claims(iat=IAT - 7200, exp=IAT - 3600))
tokens["not_yet_valid"] = es256(claims(nbf=NOW + 600))
tokens["issued_in_the_future"] = es256(claims(iat=NOW + 600, exp=NOW + 4200))

# Signature segment of ES256 is 64 bytes = 86 chars; the last char carries
# 2 data bits and 4 zero bits.  Flipping a data bit changes the signature;
# flipping a zero bit gives a non-canonical encoding of the SAME bytes.
tokens["bad_signature"] = with_last_char(valid, lambda v: v ^ 0b100000)
tokens["non_canonical_base64"] = with_last_char(valid, lambda v: v | 0b000001)
tokens["unknown_kid"] = es256(claims(), kid="k9")
tokens["alg_none"] = segment({"alg": "none", "typ": "JWT", "kid": "k1"}) + "." + segment(claims()) + "."
tokens["alg_none_pyjwt"] = pyjwt(claims(), None, "none", kid="k1")
tokens["alg_none_capitalised"] = segment({"alg": "None", "kid": "k1"}) + "." + segment(claims()) + "."
tokens["alg_none_with_signature"] = segment({"alg": "none", "kid": "k1"}) + "." + segment(claims()) + "." + valid.split(".")[2]
tokens["es256_header_hmac_signature"] = by_hand_hs256({"alg": "ES256", "typ": "JWT", "kid": "k1"}, claims(), h1_secret.encode())
tokens["key_confusion_hs256_with_k1_public_pem"] = by_hand_hs256({"alg": "HS256", "typ": "JWT", "kid": "k1"}, claims(), k1_pub_pem)
tokens["key_confusion_hs256_with_k1_public_pem_no_kid"] = by_hand_hs256({"alg": "HS256", "typ": "JWT"}, claims(), k1_pub_pem)
tokens["rs256_under_es256_kid"] = pyjwt(claims(), r1, "RS256", kid="k1")
tokens["es256_lowercase_alg"] = segment({"alg": "es256", "kid": "k1"}) + "." + valid.split(".", 1)[1]
tokens["embedded_jwk_attacker_key"] = es256(claims(), kid="k1", key=k2, jwk=json.loads(
    jwt.algorithms.ECAlgorithm.to_jwk(k2.public_key())))
tokens["crit_exp"] = es256(claims(), crit=["exp"])
tokens["duplicate_alg_header"] = by_hand_es256('{"alg":"ES256","kid":"k1","alg":"HS256"}', claims())
tokens["kid_not_a_string"] = by_hand_es256('{"alg":"ES256","kid":1}', claims())

tokens["wrong_issuer"] = es256(claims(iss="https://evil.example"))
tokens["missing_issuer"] = es256(claims(iss=None))
tokens["wrong_audience"] = es256(claims(aud="someone-else"))
tokens["aud_array_without_ours"] = es256(claims(aud=["a", "b"]))
tokens["revoked_jti"] = es256(claims(jti="revoked-jti-1"))

tokens["sub_number"] = es256(claims(sub=12345))
tokens["sub_empty"] = es256(claims(sub=""))
tokens["sub_missing"] = es256(claims(sub=None))
tokens["exp_string"] = es256(claims(exp=str(EXP)))
tokens["exp_bool"] = es256(claims(exp=True))
tokens["exp_missing"] = es256(claims(exp=None))
tokens["exp_huge"] = es256(claims(exp=1e300))
tokens["nbf_string"] = es256(claims(nbf="soon"))
tokens["iss_number"] = es256(claims(iss=7))
tokens["roles_string"] = es256(claims(roles="admin"))
tokens["roles_mixed_array"] = es256(claims(roles=["trader", 1]))
tokens["channels_object"] = es256(claims(channels={"tick:*": True}))
tokens["aud_number"] = es256(claims(aud=42))
tokens["jti_number"] = es256(claims(jti=99))
tokens["deeply_nested_claim"] = es256(claims(x=json.loads("[" * 600 + "]" * 600)))

tokens["oversized"] = es256(claims(pad="x" * 9000))
h, p, s = valid.split(".")
tokens["malformed_two_segments"] = h + "." + p
tokens["malformed_four_segments"] = valid + "." + s
tokens["malformed_bad_base64"] = h + "." + p[:10] + "*" + p[11:] + "." + s
tokens["malformed_padding"] = h + "=." + p + "." + s
tokens["malformed_whitespace"] = h + "." + p + " ." + s
tokens["malformed_empty_payload"] = h + ".." + s
tokens["malformed_empty_signature"] = h + "." + p + "."
tokens["malformed_header_not_json"] = b64url("not json") + "." + p + "." + s
tokens["malformed_header_array"] = b64url('["alg","ES256"]') + "." + p + "." + s
tokens["malformed_payload_not_json"] = h + "." + b64url("{\"sub\":") + "." + s

# PyJWT's own verdicts on the tokens it should accept, as a cross-check.
for name in ["valid_es256", "aud_array_with_ours", "jku_header_ignored"]:
    jwt.decode(tokens[name], k1.public_key(), algorithms=["ES256"], audience=AUD,
               options={"verify_exp": False, "verify_iat": False})
assert tokens["bad_signature"] != valid

with open(os.path.join(HERE, "tokens.json"), "w") as f:
    json.dump(tokens, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"wrote {len(tokens)} tokens")
