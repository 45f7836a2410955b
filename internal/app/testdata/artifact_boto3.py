# Calls AWS Artifact through boto3 against a gatehouse node and prints, as
# one JSON object, how boto3 parsed each answer. Used by
# TestArtifactThroughBoto3 (sdk_services_test.go); the endpoint and the
# credentials come from the environment.
import json
import os

import boto3
import botocore.exceptions
from botocore.config import Config


def outcome(client, call):
    try:
        resp = call()
        meta = resp.get("ResponseMetadata", {})
        return {"exception": "", "status": meta.get("HTTPStatusCode", 0),
                "retry_attempts": meta.get("RetryAttempts", 0),
                "request_id": meta.get("RequestId", "")}
    except botocore.exceptions.ClientError as e:
        meta = e.response.get("ResponseMetadata", {})
        err = e.response.get("Error", {})
        modelled = [name for name in ("ValidationException", "AccessDeniedException",
                                      "ResourceNotFoundException")
                    if isinstance(e, getattr(client.exceptions, name))]
        return {"exception": modelled[0] if modelled else type(e).__name__,
                "code": err.get("Code", ""), "message": err.get("Message", ""),
                "status": meta.get("HTTPStatusCode", 0),
                "retry_attempts": meta.get("RetryAttempts", 0),
                "request_id": meta.get("RequestId", "")}


def main():
    client = boto3.client(
        "artifact",
        endpoint_url=os.environ["GATEHOUSE_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id=os.environ["GATEHOUSE_KEY_ID"],
        aws_secret_access_key=os.environ["GATEHOUSE_SECRET"],
        # Let invalid input reach the server; use boto3's standard retries
        # so that a retried call would show in RetryAttempts.
        config=Config(parameter_validation=False,
                      retries={"mode": "standard", "max_attempts": 3}),
    )
    print(json.dumps({
        "missing_member": outcome(client, lambda: client.get_report_metadata()),
        "list_reports": outcome(client, lambda: client.list_reports()),
    }))


main()
