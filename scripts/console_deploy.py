"""Uploads the operator console to the stack's bucket (`make deploy-console`, after `make deploy`).

Reads the stack's outputs (ConsoleBucketName, ConsoleDistributionId, ConsoleUrl, ConsoleClientId,
ConsoleCognitoDomain), uploads console/dist under console/ with a config.json that names the
Cognito hosted UI, and invalidates the distribution's cache of /console/*. Uses boto3 (in
.local/venv with aws-sam-cli) and the usual AWS credentials.

    .local/venv/bin/python scripts/console_deploy.py STACK_NAME [--region REGION]
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "console" / "dist"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stack")
    parser.add_argument("--region")
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        sys.exit("console-deploy: console/dist missing (run scripts/console.sh build)")
    session = boto3.Session(region_name=args.region)
    stack = session.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    missing = [
        k for k in ("ConsoleBucketName", "ConsoleDistributionId", "ConsoleUrl", "ConsoleClientId") if k not in outputs
    ]
    if missing:
        sys.exit(f"console-deploy: the stack has no output {', '.join(missing)} (deploy the current template first)")
    domain = outputs.get("ConsoleCognitoDomain", "")
    if not domain:
        print("console-deploy: WARNING: ConsoleCognitoDomain is empty: operators cannot sign in until it is set")
    audience = [a.strip() for a in params.get("CognitoAudience", "").split(",")]
    if outputs["ConsoleClientId"] not in audience:
        print(
            "console-deploy: WARNING: the API does not accept the console's tokens yet: deploy again with "
            f"CognitoAudience={','.join([*filter(None, audience), outputs['ConsoleClientId']])}"
        )
    config = {
        "auth": "cognito",
        "domain": domain,
        "clientId": outputs["ConsoleClientId"],
        "redirectUri": outputs["ConsoleUrl"],
        "scopes": "openid email",
    }
    s3 = session.client("s3")
    bucket = outputs["ConsoleBucketName"]
    files = [p for p in sorted(DIST.rglob("*")) if p.is_file() and p.name != "config.json"]
    for path in files:
        key = "console/" + path.relative_to(DIST).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = "no-cache" if path.suffix in (".html", ".js", ".css") else "max-age=86400"
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type, "CacheControl": cache})
    s3.put_object(
        Bucket=bucket,
        Key="console/config.json",
        Body=json.dumps(config).encode(),
        ContentType="application/json",
        CacheControl="no-cache",
    )
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["ConsoleDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/console/*"]}, "CallerReference": str(time.time())},
    )
    print(f"console-deploy: uploaded {len(files) + 1} files to s3://{bucket}/console/; open {outputs['ConsoleUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
