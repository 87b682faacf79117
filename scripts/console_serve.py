"""The operator console's local server (standard library only), run by `make dev` and the browser test.

Serves the built console (console/dist, from `scripts/console.sh build`) under /console/ and
passes /v1/* to the API, so that the console and the API share one origin (no CORS), as the
CloudFront distribution does in AWS. Binds to 127.0.0.1 only.

    python3 scripts/console_serve.py --port 9001 --api http://127.0.0.1:9000 [--root console/dist]

When the API does not answer, /v1/* gets a 502 with the API's error shape
({"error": {"code": "api_unreachable", ...}}), which the console shows as such.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import mimetypes
import posixpath
import sys
import urllib.parse
from pathlib import Path

# Request headers passed to the API, and response headers passed back (nothing else: no
# cookies, no hop-by-hop headers).
FORWARD_REQUEST = ("authorization", "content-type", "idempotency-key", "accept")
FORWARD_RESPONSE = ("content-type", "idempotent-replayed", "retry-after", "x-request-id")
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self' https://*.amazoncognito.com; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}
MAX_BODY = 1 << 20


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "loyalty-console"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    root: Path
    api: urllib.parse.SplitResult
    quiet: bool

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            # The path only: a URL fragment (the dev sign-in token) never reaches a server.
            sys.stderr.write(f"console: {self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}\n")

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("cache-control", "no-store")
        for k, v in {**SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": {"code": code, "message": message, "requestId": "console-proxy"}}).encode()
        self._send(status, body, "application/json")

    def _proxy(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self._error(413, "payload_too_large", "Request body too large.")
            return
        body = self.rfile.read(length) if length else None
        headers = {k: v for k in FORWARD_REQUEST if (v := self.headers.get(k)) is not None}
        try:
            conn = http.client.HTTPConnection(self.api.hostname, self.api.port or 80, timeout=60)
            conn.request(self.command, self.path, body=body, headers=headers)
            res = conn.getresponse()
            data = res.read()
            conn.close()
        except (OSError, http.client.HTTPException) as exc:
            self._error(
                502, "api_unreachable", f"The API at {self.api.geturl()} is not answering ({exc.__class__.__name__})."
            )
            return
        extra = {k: v for k in FORWARD_RESPONSE if k != "content-type" and (v := res.getheader(k)) is not None}
        self._send(res.status, data, res.getheader("content-type") or "application/octet-stream", extra)

    def _static(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/", "/console"):
            self.send_response(302)
            self.send_header("location", "/console/")
            self.send_header("content-length", "0")
            self.end_headers()
            return
        if not path.startswith("/console/"):
            self._error(404, "not_found", "Not found.")
            return
        rel = posixpath.normpath(urllib.parse.unquote(path[len("/console/") :]) or "index.html")
        if rel in (".", ""):
            rel = "index.html"
        target = (self.root / rel).resolve()
        if self.root not in target.parents or not target.is_file():
            self._error(404, "not_found", "Not found.")
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        self._send(200, target.read_bytes(), content_type)

    def _route(self) -> None:
        if self.path.startswith("/v1/") or self.path == "/v1":
            self._proxy()
        elif self.command in ("GET", "HEAD"):
            self._static()
        else:
            self._error(405, "method_not_allowed", "Method not allowed.")

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _route


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=9001)
    parser.add_argument("--api", default="http://127.0.0.1:9000", help="the API's base URL (http only, no path)")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent / "console" / "dist"))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    root = Path(args.root).resolve()
    if not (root / "index.html").is_file():
        sys.exit(f"console: {root}/index.html missing (run scripts/console.sh build)")
    api = urllib.parse.urlsplit(args.api)
    if api.scheme != "http" or not api.hostname:
        sys.exit("console: --api must be an http://host:port URL")
    Handler.root, Handler.api, Handler.quiet = root, api, args.quiet
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"console: serving http://127.0.0.1:{args.port}/console/ (API {args.api})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
