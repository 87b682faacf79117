"""The operator console in a real browser: headless Debian Chromium (/usr/bin/chromium) driven by
Playwright for Python, against the local stack. Run by `scripts/console.sh browser-test` from the
contract run (scripts/schemathesis.sh) inside `make test`.

Environment: CONSOLE_API_URL (the stack, http://127.0.0.1:PORT), CONSOLE_ADMIN_TOKEN (a dev token
with loyalty/admin), CONSOLE_MEMBER_TOKEN (demo-member's own token: not an operator).

Steps, each must pass (exit 1 otherwise, with a screenshot of the page as it was):
  sign in with the token in the fragment (moved to sessionStorage, gone from the address bar,
  nothing in localStorage); the metrics' charts drawn; the demo member looked up (no paid
  membership, its badges area shown); its points adjusted with a reason, the new ledger line and
  the new balance shown; the catalogue, offers and partner pages; the phone-width layout; a
  member's token refused with the 403 message; a bad token with the 401 message; the API stopped
  with the "not answering" message.
Screenshots: .local/console/*.png.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".local" / "console"
CHROMIUM = "/usr/bin/chromium"
REASON = "Browser test: goodwill for ticket 42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, api: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "console_serve.py"), "--port", str(port), "--api", api, "--quiet"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"console_serve.py exited ({proc.returncode})") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("console_serve.py did not start listening within 15 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def points(text: str) -> int:
    return int(re.sub(r"[^\d-]", "", text))


def canvases_drawn(page: Page) -> list[bool]:
    return page.evaluate(
        """() => [...document.querySelectorAll('#metrics-charts canvas')].map((c) => {
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
             return false;
           })"""
    )


def main() -> int:
    api = os.environ["CONSOLE_API_URL"]
    admin = os.environ["CONSOLE_ADMIN_TOKEN"]
    member_token = os.environ["CONSOLE_MEMBER_TOKEN"]
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}/console/"
    server = start_server(port, api)
    started = time.monotonic()
    step_name = "start"

    def step(name: str) -> None:
        nonlocal step_name
        step_name = name
        print(f"console-test: [{time.monotonic() - started:5.1f}s] {name}", flush=True)

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.set_default_timeout(20_000)
            problems: list[str] = []
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            try:
                step("sign in with the token in the URL fragment")
                page.goto(base + "#token=" + admin)
                expect(page.get_by_role("heading", name="Programme metrics")).to_be_visible()
                assert "token" not in page.url, f"the token is still in the address bar: {page.url}"
                stored = page.evaluate("() => [sessionStorage.length, localStorage.length]")
                assert stored == [1, 0], f"sessionStorage/localStorage items: {stored}"

                step("metrics: the charts are drawn")
                expect(page.locator("#metrics-charts canvas")).to_have_count(3)
                expect(page.locator("#metrics-charts figure")).to_have_count(3)
                drawn = canvases_drawn(page)
                assert drawn and all(drawn), f"charts not drawn: {drawn}"
                liability = points(page.locator("#metrics-stats .stat").first.locator(".stat-value").inner_text())
                assert liability > 0, "the liability is 0 although the demo member holds points"
                page.screenshot(path=OUT / "metrics.png", full_page=True)

                step("keyboard: focus on the page's heading, then its labelled fields")
                focused = page.evaluate("() => document.activeElement.textContent")
                assert focused == "Programme metrics", f"focus after load: {focused!r}"
                page.keyboard.press("Tab")
                label = page.evaluate("() => document.activeElement.labels?.[0]?.textContent")
                assert label == "From (UTC)", f"first field after the heading: {label!r}"

                step("member lookup: demo-member")
                page.get_by_role("link", name="Members").click()
                page.get_by_label("Member id").fill("demo-member")
                page.get_by_label("Member id").press("Enter")
                balance_el = page.locator("#member-balance")
                expect(balance_el).to_be_visible()
                before = points(balance_el.inner_text())
                expect(page.get_by_role("table", name=re.compile("Ledger"))).to_be_visible()
                # The demo member's purchases, with the earn rules that produced their points.
                expect(page.locator("#ledger .breakdown li").first).to_contain_text("base")
                # No paid membership (so no button to end one), and the badges area.
                expect(page.locator("#member-membership")).to_contain_text("No paid membership")
                expect(page.get_by_role("button", name="End membership")).to_have_count(0)
                expect(page.locator("#member-badges")).to_be_visible()

                step("adjust points with a reason")
                page.get_by_label("Points (negative to remove)").fill("25")
                page.get_by_label("Reason (kept on the ledger entry)").fill(REASON)
                page.get_by_role("button", name="Adjust").click()
                expect(page.locator("#adjust-status .ok")).to_contain_text(f"balance now {before + 25:,}")

                step("the new balance and the new ledger line")
                expect(balance_el).to_have_text(f"{before + 25:,}")
                first = page.locator("#ledger tbody tr").first
                expect(first).to_contain_text("adjust")
                expect(first).to_contain_text("+25")
                expect(first).to_contain_text(REASON)
                expect(first).to_contain_text(f"{before + 25:,}")
                page.screenshot(path=OUT / "member.png", full_page=True)

                step("phone width: no sideways scrolling")
                page.set_viewport_size({"width": 390, "height": 844})
                overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"the page is {overflow}px wider than a phone"
                page.screenshot(path=OUT / "member-phone.png", full_page=True)
                page.set_viewport_size({"width": 1280, "height": 800})

                step("catalogue, offers, partner")
                page.get_by_role("link", name="Catalogue").click()
                expect(page.get_by_role("table", name="Rewards")).to_be_visible()
                expect(page.get_by_label(re.compile("^Stock of ")).first).to_be_visible()
                page.get_by_role("link", name="Offers").click()
                expect(page.get_by_role("heading", name="Targeted offers")).to_be_visible()
                expect(page.locator("#offers-out table, #offers-out p.muted")).to_be_visible()
                page.goto(base + "#/partners/demo-partner")
                expect(page.get_by_role("heading", name="Webhook secrets")).to_be_visible()
                page.get_by_role("button", name="Statement").click()
                expect(page.locator("#partner-out .stat-label", has_text="Points issued")).to_be_visible()
                assert page.locator("[role=alert].error, .banner:not([hidden])").count() == 0, "an error is shown"
                page.screenshot(path=OUT / "partner.png", full_page=True)

                step("a member's token: the 403 message")
                other = browser.new_context(viewport={"width": 1280, "height": 800})
                p2 = other.new_page()
                p2.set_default_timeout(20_000)
                p2.goto(base + "#token=" + member_token)
                expect(p2.locator("#banner")).to_contain_text("may not do this")
                p2.screenshot(path=OUT / "forbidden.png")
                step("a bad token: the 401 message")
                p2.goto(base + "#token=not.a.token")
                p2.reload()
                expect(p2.locator("#banner")).to_contain_text("Sign in again")
                other.close()

                step("the API stopped: the error message")
                stop_server(server)
                server = start_server(port, f"http://127.0.0.1:{free_port()}")
                page.goto(base + "#/members/demo-member")
                page.reload()
                expect(page.locator("#banner")).to_contain_text("The API is not answering")
                expect(page.locator("#member-out .error")).to_contain_text("The API is not answering")
                page.screenshot(path=OUT / "api-down.png")
                assert not problems, "; ".join(problems)
            except Exception:
                page.screenshot(path=OUT / "failure.png", full_page=True)
                raise
            finally:
                browser.close()
    except Exception as exc:  # noqa: BLE001 (any failure is reported as its step's)
        print(f"console-test: FAILED at step '{step_name}': {exc}", file=sys.stderr)
        print("console-test: screenshot of the page: .local/console/failure.png", file=sys.stderr)
        return 1
    finally:
        stop_server(server)
    print(f"console-test: OK in {time.monotonic() - started:.1f}s (screenshots in .local/console/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
