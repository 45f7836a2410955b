"""KMS round trips with boto3 against a gatehouse endpoint.

Run by TestKMSBoto3RoundTrips (cmd/gatehouse/kms_e2e_test.go):

    python3 kms_boto3.py ENDPOINT

with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the root user in the
environment. Every key spec and algorithm gatehouse serves is exercised:
symmetric encryption with an encryption context, RSA OAEP, RSA and ECDSA
signatures (RAW and DIGEST), HMAC, data keys, data key pairs and ECDH key
agreement. Where Python's `cryptography` package is installed, public keys
from GetPublicKey are used to verify signatures, encrypt for RSA keys and
agree on secrets locally, and data key pairs are checked to be real pairs.

It prints one JSON object: {"cryptography": bool, "checks": {name: "ok" or
the reason it failed}} and exits 0 when it could run, whatever the checks
say: the Go test judges them.
"""

import base64
import hashlib
import hmac
import json
import sys
import traceback

import boto3
import botocore.config
import botocore.exceptions

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

    HAVE_CRYPTOGRAPHY = True
except ImportError:  # the local checks are skipped
    HAVE_CRYPTOGRAPHY = False

ENDPOINT = sys.argv[1]
REGION = "us-east-1"
kms = boto3.client(
    "kms",
    endpoint_url=ENDPOINT,
    region_name=REGION,
    config=botocore.config.Config(retries={"total_max_attempts": 1}),
)

checks = {}


def check(name):
    """Runs the decorated function now and records its outcome under name."""

    def run(fn):
        try:
            fn()
            checks[name] = "ok"
        except Exception as e:  # noqa: BLE001 - every failure is reported
            checks[name] = "%s: %s" % (type(e).__name__, e)
            traceback.print_exc(file=sys.stderr)
        return fn

    return run


def expect_error(code, fn, *args, **kwargs):
    """Calls fn and asserts it fails with the AWS error code."""
    try:
        fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        if got != code:
            raise AssertionError("error %s, want %s (%s)" % (got, code, e))
        return
    raise AssertionError("succeeded, want %s" % code)


def create_key(spec, usage, **extra):
    meta = kms.create_key(KeySpec=spec, KeyUsage=usage, Description="boto3 " + spec + " " + usage, **extra)["KeyMetadata"]
    assert meta["KeySpec"] == spec and meta["KeyUsage"] == usage, meta
    assert meta["KeyState"] == "Enabled" and meta["Enabled"] is True, meta
    assert meta["Arn"].startswith("arn:aws:kms:" + REGION + ":") and meta["Arn"].endswith(":key/" + meta["KeyId"]), meta
    return meta


def public_key(arn):
    out = kms.get_public_key(KeyId=arn)
    assert out["KeyId"] == arn, out["KeyId"]
    if HAVE_CRYPTOGRAPHY:
        return out, serialization.load_der_public_key(out["PublicKey"])
    return out, None


HASHES = {"SHA_256": hashlib.sha256, "SHA_384": hashlib.sha384, "SHA_512": hashlib.sha512}


def local_hash(alg):
    name = alg.rsplit("_SHA_", 1)[1]
    return "SHA_" + name


# --- symmetric ---------------------------------------------------------------

sym = create_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
other = create_key("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
CONTEXT = {"purpose": "boto3", "tenant": "acme"}


@check("symmetric/encrypt-decrypt-with-context")
def _():
    msg = b"\x00\x01 boto3 says hello \xff" * 10
    out = kms.encrypt(KeyId=sym["KeyId"], Plaintext=msg, EncryptionContext=CONTEXT)
    assert out["KeyId"] == sym["Arn"] and out["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT", out
    back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext=CONTEXT)
    assert back["Plaintext"] == msg and back["KeyId"] == sym["Arn"], back
    expect_error("InvalidCiphertextException", kms.decrypt, CiphertextBlob=out["CiphertextBlob"],
                 EncryptionContext={"purpose": "boto3", "tenant": "other"})
    expect_error("InvalidCiphertextException", kms.decrypt, CiphertextBlob=out["CiphertextBlob"])
    tampered = bytearray(out["CiphertextBlob"])
    tampered[-5] ^= 1
    expect_error("InvalidCiphertextException", kms.decrypt, CiphertextBlob=bytes(tampered), EncryptionContext=CONTEXT)
    expect_error("IncorrectKeyException", kms.decrypt, CiphertextBlob=out["CiphertextBlob"],
                 EncryptionContext=CONTEXT, KeyId=other["KeyId"])


@check("symmetric/plaintext-limit")
def _():
    kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"x" * 4096)
    expect_error("ValidationException", kms.encrypt, KeyId=sym["KeyId"], Plaintext=b"x" * 4097)


@check("symmetric/re-encrypt")
def _():
    blob = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"moving house", EncryptionContext=CONTEXT)["CiphertextBlob"]
    out = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=CONTEXT,
                         DestinationKeyId=other["Arn"], DestinationEncryptionContext={"moved": "yes"})
    assert out["SourceKeyId"] == sym["Arn"] and out["KeyId"] == other["Arn"], out
    back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"moved": "yes"})
    assert back["Plaintext"] == b"moving house" and back["KeyId"] == other["Arn"], back


@check("symmetric/generate-data-key")
def _():
    for kwargs, size in (({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16),
                         ({"NumberOfBytes": 1}, 1), ({"NumberOfBytes": 1024}, 1024)):
        out = kms.generate_data_key(KeyId=sym["Arn"], EncryptionContext=CONTEXT, **kwargs)
        assert len(out["Plaintext"]) == size and out["KeyId"] == sym["Arn"], (kwargs, len(out["Plaintext"]))
        back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext=CONTEXT)
        assert back["Plaintext"] == out["Plaintext"], kwargs
    expect_error("ValidationException", kms.generate_data_key, KeyId=sym["Arn"], NumberOfBytes=1025)


@check("symmetric/generate-data-key-without-plaintext")
def _():
    out = kms.generate_data_key_without_plaintext(KeyId=sym["KeyId"], KeySpec="AES_256", EncryptionContext=CONTEXT)
    assert "Plaintext" not in out and out["KeyId"] == sym["Arn"], out
    back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext=CONTEXT)
    assert len(back["Plaintext"]) == 32


@check("symmetric/generate-random")
def _():
    a = kms.generate_random(NumberOfBytes=64)["Plaintext"]
    b = kms.generate_random(NumberOfBytes=64)["Plaintext"]
    assert len(a) == 64 and a != b


# --- RSA encryption ----------------------------------------------------------

for spec in ("RSA_2048", "RSA_3072", "RSA_4096"):
    key = create_key(spec, "ENCRYPT_DECRYPT")
    pub, local = public_key(key["Arn"])

    @check("rsa-encrypt/%s/public-key" % spec)
    def _(pub=pub, spec=spec):
        assert pub["KeySpec"] == spec and pub["KeyUsage"] == "ENCRYPT_DECRYPT", pub
        assert sorted(pub["EncryptionAlgorithms"]) == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"], pub

    for alg, h in (("RSAES_OAEP_SHA_1", "sha1"), ("RSAES_OAEP_SHA_256", "sha256")):
        @check("rsa-encrypt/%s/%s" % (spec, alg))
        def _(key=key, alg=alg):
            msg = b"rsa secret " + alg.encode()
            out = kms.encrypt(KeyId=key["Arn"], Plaintext=msg, EncryptionAlgorithm=alg)
            assert out["EncryptionAlgorithm"] == alg and out["KeyId"] == key["Arn"], out
            back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], KeyId=key["KeyId"], EncryptionAlgorithm=alg)
            assert back["Plaintext"] == msg, back
            # The symmetric algorithm is not one of this key's.
            expect_error("InvalidKeyUsageException", kms.encrypt, KeyId=key["Arn"], Plaintext=msg)

        if HAVE_CRYPTOGRAPHY:
            @check("rsa-encrypt/%s/%s/local-encrypt" % (spec, alg))
            def _(key=key, alg=alg, local=local, h=h):
                algo = hashes.SHA1() if h == "sha1" else hashes.SHA256()
                blob = local.encrypt(b"encrypted outside", padding.OAEP(mgf=padding.MGF1(algo), algorithm=algo, label=None))
                back = kms.decrypt(CiphertextBlob=blob, KeyId=key["Arn"], EncryptionAlgorithm=alg)
                assert back["Plaintext"] == b"encrypted outside", back

# --- signatures --------------------------------------------------------------

SIGNING = [
    ("RSA_2048", ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
                  "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"]),
    ("RSA_3072", ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
                  "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"]),
    ("RSA_4096", ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
                  "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"]),
    ("ECC_NIST_P256", ["ECDSA_SHA_256"]),
    ("ECC_NIST_P384", ["ECDSA_SHA_384"]),
    ("ECC_NIST_P521", ["ECDSA_SHA_512"]),
    ("ECC_SECG_P256K1", ["ECDSA_SHA_256"]),
]


def local_verify(local, alg, message, message_type, signature):
    """Verifies a KMS signature with the public key, as any party would."""
    name = local_hash(alg)
    algo = {"SHA_256": hashes.SHA256(), "SHA_384": hashes.SHA384(), "SHA_512": hashes.SHA512()}[name]
    # For DIGEST the message is already the hash: Prehashed.
    algo_arg = utils.Prehashed(algo) if message_type == "DIGEST" else algo
    if alg.startswith("ECDSA"):
        local.verify(signature, message, ec.ECDSA(algo_arg))
    elif alg.startswith("RSASSA_PSS"):
        # KMS uses a salt as long as the hash.
        local.verify(signature, message, padding.PSS(mgf=padding.MGF1(algo), salt_length=algo.digest_size), algo_arg)
    else:
        local.verify(signature, message, padding.PKCS1v15(), algo_arg)


for spec, algs in SIGNING:
    key = create_key(spec, "SIGN_VERIFY")
    pub, local = public_key(key["Arn"])

    @check("sign/%s/public-key" % spec)
    def _(pub=pub, spec=spec, algs=algs):
        assert pub["KeySpec"] == spec and sorted(pub["SigningAlgorithms"]) == sorted(algs), pub

    for alg in algs:
        for message_type in ("RAW", "DIGEST"):
            @check("sign/%s/%s/%s" % (spec, alg, message_type))
            def _(key=key, alg=alg, message_type=message_type, local=local):
                raw = ("invoice 42 for " + alg).encode()
                message = HASHES[local_hash(alg)](raw).digest() if message_type == "DIGEST" else raw
                out = kms.sign(KeyId=key["KeyId"], Message=message, MessageType=message_type, SigningAlgorithm=alg)
                assert out["KeyId"] == key["Arn"] and out["SigningAlgorithm"] == alg, out
                ok = kms.verify(KeyId=key["Arn"], Message=message, MessageType=message_type,
                                Signature=out["Signature"], SigningAlgorithm=alg)
                assert ok["SignatureValid"] is True and ok["KeyId"] == key["Arn"], ok
                changed = bytearray(message)
                changed[0] ^= 1
                expect_error("KMSInvalidSignatureException", kms.verify, KeyId=key["Arn"], Message=bytes(changed),
                             MessageType=message_type, Signature=out["Signature"], SigningAlgorithm=alg)
                if local is not None:
                    local_verify(local, alg, message, message_type, out["Signature"])
                    try:
                        local_verify(local, alg, bytes(changed), message_type, out["Signature"])
                    except InvalidSignature:
                        pass
                    else:
                        raise AssertionError("the changed message verified locally")

# --- HMAC --------------------------------------------------------------------

for spec, alg in (("HMAC_224", "HMAC_SHA_224"), ("HMAC_256", "HMAC_SHA_256"),
                  ("HMAC_384", "HMAC_SHA_384"), ("HMAC_512", "HMAC_SHA_512")):
    key = create_key(spec, "GENERATE_VERIFY_MAC")

    @check("hmac/%s" % spec)
    def _(key=key, alg=alg, spec=spec):
        msg = b"webhook body " + spec.encode()
        out = kms.generate_mac(KeyId=key["KeyId"], Message=msg, MacAlgorithm=alg)
        assert out["KeyId"] == key["Arn"] and out["MacAlgorithm"] == alg, out
        assert len(out["Mac"]) == int(spec.split("_")[1]) // 8, len(out["Mac"])
        again = kms.generate_mac(KeyId=key["Arn"], Message=msg, MacAlgorithm=alg)
        assert hmac.compare_digest(again["Mac"], out["Mac"]), "HMAC is not deterministic"
        ok = kms.verify_mac(KeyId=key["Arn"], Message=msg, Mac=out["Mac"], MacAlgorithm=alg)
        assert ok["MacValid"] is True, ok
        expect_error("KMSInvalidMacException", kms.verify_mac, KeyId=key["Arn"], Message=msg + b"!",
                     Mac=out["Mac"], MacAlgorithm=alg)

# --- data key pairs ----------------------------------------------------------

for pair_spec in ("RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1"):
    @check("data-key-pair/%s" % pair_spec)
    def _(pair_spec=pair_spec):
        out = kms.generate_data_key_pair(KeyId=sym["KeyId"], KeyPairSpec=pair_spec, EncryptionContext=CONTEXT)
        assert out["KeyId"] == sym["Arn"] and out["KeyPairSpec"] == pair_spec, out["KeyId"]
        back = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"], EncryptionContext=CONTEXT)
        assert back["Plaintext"] == out["PrivateKeyPlaintext"], "the encrypted private key is another key"
        bare = kms.generate_data_key_pair_without_plaintext(KeyId=sym["Arn"], KeyPairSpec=pair_spec)
        assert "PrivateKeyPlaintext" not in bare, bare
        private = kms.decrypt(CiphertextBlob=bare["PrivateKeyCiphertextBlob"])["Plaintext"]
        if HAVE_CRYPTOGRAPHY:
            for priv, pub in ((out["PrivateKeyPlaintext"], out["PublicKey"]), (private, bare["PublicKey"])):
                key = serialization.load_der_private_key(priv, password=None)
                der = key.public_key().public_bytes(serialization.Encoding.DER,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
                assert der == pub, "the public key does not belong to the private key"

# --- key agreement -----------------------------------------------------------

# KMS offers key agreement on the NIST curves only (secp256k1 signs).
for spec, curve in (("ECC_NIST_P256", "SECP256R1"), ("ECC_NIST_P384", "SECP384R1"), ("ECC_NIST_P521", "SECP521R1")):
    key = create_key(spec, "KEY_AGREEMENT")
    if not HAVE_CRYPTOGRAPHY:
        continue

    @check("key-agreement/%s" % spec)
    def _(key=key, curve=curve):
        mine = ec.generate_private_key(getattr(ec, curve)())
        mine_der = mine.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        out = kms.derive_shared_secret(KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=mine_der)
        assert out["KeyId"] == key["Arn"] and out["KeyAgreementAlgorithm"] == "ECDH", out
        theirs = serialization.load_der_public_key(kms.get_public_key(KeyId=key["Arn"])["PublicKey"])
        assert mine.exchange(ec.ECDH(), theirs) == out["SharedSecret"], "the shared secrets differ"

print(json.dumps({"cryptography": HAVE_CRYPTOGRAPHY, "checks": checks}, indent=1, sort_keys=True))
