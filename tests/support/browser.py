"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

Why a pipe: Chromium then reads protocol messages from file descriptor 3 and writes to descriptor 4,
NUL-terminated JSON, so no port is opened, nothing listens on the network and no websocket client
library is needed. This is the transport Puppeteer uses with ``pipe: true``.

``open_page`` loads one local file in a fresh tab, waits for its load event, and returns what a test
asserts on: the console errors and uncaught exceptions of the page, the result of JavaScript
expressions evaluated in it, and a full-page PNG screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: The Debian package's binary first (what the set-up installs), then the usual other names.
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium binary, ``$KZW_CHROMIUM`` first, or None."""
    for name in (os.environ.get("KZW_CHROMIUM"), *CANDIDATES):
        if not name:
            continue
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageResult:
    url: str
    console_errors: list[str] = field(default_factory=list)
    values: dict[str, object] = field(default_factory=dict)
    screenshot: Path | None = None


class BrowserError(RuntimeError):
    pass


class _Pipe:
    """One Chromium process and its two protocol pipes."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds() -> None:  # Chromium expects the protocol on fds 3 (in) and 4 (out).
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)  # out of the way of 3 and 4
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)  # dup2 leaves the copy inheritable: it survives the exec
            os.dup2(high_w, 4)

        self.log = profile / "chromium.log"
        self.process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",  # root in a container has no usable user namespace sandbox
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "--window-size=1280,900",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
            preexec_fn=child_fds,  # only fcntl/dup2, before exec
            # close_fds would close 3 and 4 after preexec_fn; Python opens every other fd
            # non-inheritable (PEP 446), so nothing else reaches Chromium.
            close_fds=False,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise BrowserError("timed out waiting for Chromium")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise BrowserError(f"Chromium closed its protocol pipe; its log ends:\n{tail}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout=60.0):
        """Send a command and return its result; events read meanwhile are kept in ``events``."""
        wanted = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            message = self._read_message(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, method: str, session: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        for i, event in enumerate(self.events):
            if event["method"] == method and event.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            message = self._read_message(deadline)
            if message.get("method") == method and message.get("sessionId") == session:
                return message
            if "method" in message:
                self.events.append(message)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def _console_errors(events: list[dict], session: str) -> list[str]:
    errors = []
    for event in events:
        if event.get("sessionId") != session:
            continue
        params = event.get("params", {})
        if event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif event["method"] == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            errors.append(details.get("exception", {}).get("description") or details.get("text", ""))
        elif event["method"] == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            errors.append(f"{entry['source']}: {entry['text']} {entry.get('url', '')}".strip())
    return errors


def open_page(
    binary: str,
    page: Path,
    expressions: dict[str, str],
    screenshot: Path | None = None,
    timeout: float = 90.0,
) -> PageResult:
    """Load ``page`` (a local file) in headless Chromium; evaluate ``expressions`` (name -> JavaScript
    returning a JSON value) after the load event; save a full-page screenshot to ``screenshot``."""
    url = page.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="kzw-chromium-") as profile:
        browser = _Pipe(binary, Path(profile))
        try:
            target = browser.call("Target.createTarget", {"url": "about:blank"}, timeout=timeout)
            session = browser.call(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
            )["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                browser.call(f"{domain}.enable", session=session)
            browser.call("Page.navigate", {"url": url}, session=session, timeout=timeout)
            browser.wait_for("Page.loadEventFired", session, timeout=timeout)
            result = PageResult(url=url)
            for name, expression in expressions.items():
                answer = browser.call(
                    "Runtime.evaluate",
                    {"expression": expression, "returnByValue": True},
                    session=session,
                )
                if "exceptionDetails" in answer:
                    raise BrowserError(f"{name}: {answer['exceptionDetails'].get('text')}")
                result.values[name] = answer["result"].get("value")
            if screenshot is not None:
                shot = browser.call(
                    "Page.captureScreenshot",
                    {"format": "png", "captureBeyondViewport": True},
                    session=session,
                    timeout=timeout,
                )
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                screenshot.write_bytes(base64.b64decode(shot["data"]))
                result.screenshot = screenshot
            result.console_errors = _console_errors(browser.events, session)
            return result
        finally:
            browser.close()
