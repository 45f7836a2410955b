"""Regenerates cases.json: requests signed by botocore at a fixed time.

Run from this directory with botocore installed:  python3 gen.py > cases.json
The Go tests replay each captured request against Verifier.Verify.
"""
import datetime
import json

import botocore.auth
import botocore.session

FIXED = datetime.datetime(2026, 11, 27, 15, 0, 0, tzinfo=datetime.timezone.utc)
botocore.auth.get_current_datetime = lambda *a, **k: FIXED

AKID = "AKIDBOTOCOREEXAMPLE"
SECRET = "botocore/Secret+Key/EXAMPLEKEYxxxxxxxxxxx"
TOKEN = "FwoGZXIvYXdzEBotocoreSessionToken//+=="
ENDPOINT = "http://gatehouse.test:8080"


class Captured(Exception):
    pass


def client(service, token=None):
    s = botocore.session.get_session()
    c = s.create_client(
        service,
        region_name="us-east-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
        aws_session_token=token,
    )
    return c


def capture(name, c, op, **kw):
    out = {}

    def hook(request, **_):
        out["method"] = request.method
        out["url"] = request.url
        out["headers"] = [[k, v if isinstance(v, str) else v.decode()] for k, v in request.headers.items()]
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        out["body"] = body.decode() if isinstance(body, bytes) else body
        raise Captured()

    c.meta.events.register("before-send", hook)
    try:
        getattr(c, op)(**kw)
    except Captured:
        pass
    out["name"] = name
    return out


def presign(name, c, op, params, expires, method=None):
    # Without HttpMethod botocore signs the operation's own method (POST for
    # STS); `aws eks get-token` asks for GET.
    url = c.generate_presigned_url(op, Params=params, ExpiresIn=expires, HttpMethod=method)
    return {"name": name, "method": method or "POST", "url": url, "headers": [], "body": ""}


cases = [
    capture("sts-get-caller-identity", client("sts"), "get_caller_identity"),
    capture("sts-get-caller-identity-token", client("sts", TOKEN), "get_caller_identity"),
    capture("sts-assume-role-special", client("sts"), "assume_role",
            RoleArn="arn:aws:iam::123456789012:role/x", RoleSessionName="a+b c=d*e~f/ሴ"),
    capture("guardduty-get-detector-slash", client("guardduty"), "get_detector", DetectorId="abc/def"),
    capture("guardduty-get-detector-special", client("guardduty"), "get_detector", DetectorId="a b+c*~ሴ%2F"),
    capture("guardduty-get-detector-dots", client("guardduty"), "get_detector", DetectorId=".."),
    capture("guardduty-list-detectors-query", client("guardduty"), "list_detectors",
            MaxResults=5, NextToken="a b+c/~*ሴ%20="),
    capture("kms-list-keys-token", client("kms", TOKEN), "list_keys"),
    presign("sts-presign-get-caller-identity", client("sts"), "get_caller_identity", {}, 900),
    presign("sts-presign-get-caller-identity-get-token", client("sts", TOKEN), "get_caller_identity", {}, 60, "GET"),
]

print(json.dumps({
    "accessKeyId": AKID,
    "secretAccessKey": SECRET,
    "sessionToken": TOKEN,
    "now": FIXED.strftime("%Y%m%dT%H%M%SZ"),
    "cases": cases,
}, indent=2, ensure_ascii=False))
