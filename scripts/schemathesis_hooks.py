"""Schemathesis hooks of the contract run (scripts/schemathesis.sh loads them).

They work around two limits of `cargo lambda watch` (cargo-lambda 1.9.2), the local stand-in for
API Gateway, so that the run reports what the functions do and nothing else. Both are visible
as the emulator's own error, a 500 `text/plain` body
`{"type":"https://httpstatuses.com/500","status":500,"title":"Internal Server Error"}`; the
functions' answers are always `application/json` (and a function that panics or fails shows up
as a 500 with Lambda's `{"errorType", "errorMessage"}` body, which these hooks leave alone).

1. Requests it cannot turn into an API Gateway event, so no function ever sees them: a header
   value whose bytes are not UTF-8 (HTTP clients send a header's characters as Latin-1 bytes, so
   `x-header: \u00d7` goes out as the single byte 0xD7), and a body that is not UTF-8 under a
   text content type such as `application/json` (binary content types are base64-encoded and do
   reach the function). `before_call` rewrites these into requests that still test what they
   meant to test: header values go out as their UTF-8 bytes (the function sees the non-ASCII
   header), and a body's invalid byte sequences become U+FFFD (the function sees a body that
   is not JSON).

2. Now and then it fails to relay a large response with non-ASCII text that the function did
   send (the function's log shows it served the request; replaying the request gives the
   answer): about 1 in 100 for a 30 KB page of activity with emoji in it. `after_call` sends such
   a request again, up to three times, and checks the answer it gets then; each retry is
   printed. A 500 of the emulator that persists is reported as usual.

3. An empty path parameter (a stateful link can carry an empty `memberId` from a request that
   was refused) leaves `//` in the path, which no route matches: the emulator answers its own
   404 "Default function disabled" (API Gateway would not route it either), so no function sees
   it. `before_call` sends `-` instead, an id nothing has: the function answers as it would for
   any unknown one.
"""

import sys

import requests
import schemathesis
from schemathesis.core.transport import Response

EMULATOR_ERROR_BODY = b'{"type":"https://httpstatuses.com/500","status":500,"title":"Internal Server Error"}'
RETRIES = 3


def _wire_safe_header(value):
    if isinstance(value, str) and not value.isascii():
        # requests encodes header values as Latin-1: hand it the UTF-8 bytes as Latin-1 text.
        return value.encode("utf-8", "surrogatepass").decode("latin-1")
    return value


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.path_parameters:
        for name, value in list(case.path_parameters.items()):
            if value == "":
                case.path_parameters[name] = "-"
    if case.headers:
        for name, value in list(case.headers.items()):
            case.headers[name] = _wire_safe_header(value)
    if isinstance(case.body, (bytes, bytearray)):
        raw = bytes(case.body)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            case.body = raw.decode("utf-8", "replace").encode("utf-8")


def _is_emulator_error(response):
    content_type = ",".join(response.headers.get("content-type", []))
    return (
        response.status_code == 500
        and content_type.startswith("text/plain")
        and (response.content or b"").strip() == EMULATOR_ERROR_BODY
    )


@schemathesis.hook
def after_call(context, case, response):
    attempt = 0
    while attempt < RETRIES and _is_emulator_error(response):
        attempt += 1
        request = response.request
        print(
            f"contract: the emulator dropped the answer to {request.method} {request.path_url}; "
            f"sending it again ({attempt}/{RETRIES})",
            file=sys.stderr,
        )
        with requests.Session() as session:
            retried = session.send(request.copy(), timeout=30, allow_redirects=False)
        fresh = Response.from_requests(retried, verify=response.verify)
        for name in Response.__slots__:
            setattr(response, name, getattr(fresh, name))
