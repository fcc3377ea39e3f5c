#!/usr/bin/python3
"""Test helper of tests/auth: keys, tokens and an HTTPS JWKS server made with
independent libraries (Debian python3-jwt and python3-cryptography).

  jwt_tool.py keys DIR
      Writes DIR/<kid>.pem (private keys) for the kids of KEYS and
      DIR/jwks.json with the public keys of every kid except "rotated"
      (DIR/jwks-rotated.json has them all).
  jwt_tool.py mint DIR < requests.json > tokens.json
      requests: a JSON list of {"kid", "alg", "claims", "mode"}; claim
      values "@now+N" / "@now-N" become Unix times. mode "none" makes an
      unsigned alg:none token, "hs-with-public-key" signs HS256 with the
      kid's public key PEM as the HMAC secret, "hmac:<file>" signs
      HS256 with the bytes of <file>. Prints the list of tokens.
  jwt_tool.py serve DIR CERT KEY
      Serves DIR over HTTPS on 127.0.0.1 (a free port, printed on stdout
      as the first line) until killed. Each request re-reads the file.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import ssl
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

# kid -> (key maker, JWS algorithm)
KEYS = {
    "rs256": (lambda: rsa.generate_private_key(65537, 2048), "RS256"),
    "rs384": (lambda: rsa.generate_private_key(65537, 2048), "RS384"),
    "rs512": (lambda: rsa.generate_private_key(65537, 3072), "RS512"),
    "ps256": (lambda: rsa.generate_private_key(65537, 2048), "PS256"),
    "ps384": (lambda: rsa.generate_private_key(65537, 2048), "PS384"),
    "ps512": (lambda: rsa.generate_private_key(65537, 2048), "PS512"),
    "es256": (lambda: ec.generate_private_key(ec.SECP256R1()), "ES256"),
    "es384": (lambda: ec.generate_private_key(ec.SECP384R1()), "ES384"),
    "es512": (lambda: ec.generate_private_key(ec.SECP521R1()), "ES512"),
    "eddsa": (lambda: ed25519.Ed25519PrivateKey.generate(), "EdDSA"),
    "rotated": (lambda: rsa.generate_private_key(65537, 2048), "RS256"),
}


def jwk_of(kid, private_key):
    public = private_key.public_key()
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        raw = public.public_bytes(serialization.Encoding.Raw,
                                  serialization.PublicFormat.Raw)
        jwk = {"kty": "OKP", "crv": "Ed25519",
               "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}
    else:
        jwk = json.loads(jwt.algorithms.get_default_algorithms()[
            KEYS[kid][1]].to_jwk(public))
    jwk["kid"] = kid
    jwk["use"] = "sig"
    return jwk


def keys(directory):
    jwks = []
    for kid, (make, _) in KEYS.items():
        key = make()
        with open(os.path.join(directory, kid + ".pem"), "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        jwks.append(jwk_of(kid, key))
    with open(os.path.join(directory, "jwks-rotated.json"), "w") as f:
        json.dump({"keys": jwks}, f)
    with open(os.path.join(directory, "jwks.json"), "w") as f:
        json.dump({"keys": [k for k in jwks if k["kid"] != "rotated"]}, f)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(claims):
    now = int(time.time())
    out = {}
    for name, value in claims.items():
        if isinstance(value, str) and value.startswith("@now"):
            value = now + int(value[4:])
        out[name] = value
    return out


def mint_one(directory, request):
    claims = claims_of(request.get("claims", {}))
    kid = request.get("kid")
    mode = request.get("mode", "")
    if mode == "none":
        return jwt.encode(claims, None, algorithm="none")
    if mode == "hs-with-public-key" or mode.startswith("hmac:"):
        if mode.startswith("hmac:"):
            with open(mode[5:], "rb") as f:
                secret = f.read()
        else:
            with open(os.path.join(directory, kid + ".pem"), "rb") as f:
                private = serialization.load_pem_private_key(f.read(), None)
            secret = private.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo)
        header = {"alg": request.get("alg", "HS256"), "typ": "JWT"}
        if kid:
            header["kid"] = kid
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384,
                  "HS512": hashlib.sha512}[header["alg"]]
        signing_input = (b64(json.dumps(header).encode()) + "." +
                         b64(json.dumps(claims).encode()))
        mac = hmac.new(secret, signing_input.encode(), digest).digest()
        return signing_input + "." + b64(mac)
    with open(os.path.join(directory, request.get("key", kid) + ".pem"),
              "rb") as f:
        private = serialization.load_pem_private_key(f.read(), None)
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims, private, algorithm=request["alg"],
                      headers=headers)


def mint(directory):
    requests = json.load(sys.stdin)
    json.dump([mint_one(directory, r) for r in requests], sys.stdout)


def serve(directory, cert, key):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=directory, **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "keys":
        keys(sys.argv[2])
    elif command == "mint":
        mint(sys.argv[2])
    elif command == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown command " + command)
