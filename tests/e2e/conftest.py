"""Browser tests: the real app served over HTTP, driven by Debian's chromium."""
from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "marketplace:create_app", *args],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True, **kwargs,
    )


def _wait_for(url: str, process: subprocess.Popen, workdir: Path) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"{url} did not start:\n" + (workdir / "server.log").read_text())


class LiveServer(str):
    """The base URL of the served app, which can also move that app's clock."""

    def __new__(cls, url: str, offset_file: Path):
        server = super().__new__(cls, url)
        server.offset_file = offset_file
        return server

    def _offset(self) -> float:
        return float(self.offset_file.read_text()) if self.offset_file.exists() else 0.0

    def now(self) -> dt.datetime:
        """The served app's current time."""
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self._offset())

    def shift_clock(self, delta: dt.timedelta) -> None:
        """Move the served app's clock forward by ``delta`` (added to earlier shifts)."""
        self.offset_file.write_text(str(self._offset() + delta.total_seconds()))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A served app with the demo data; yields its base URL."""
    workdir = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "MARKETPLACE_ENV": "development",
        "DATABASE_URL": os.environ.get("E2E_DATABASE_URL") or f"sqlite:///{workdir / 'live.db'}",
        "UPLOAD_DIR": str(workdir / "uploads"),
        "PAGE_CACHE_DIR": str(workdir / "page-cache"),
        "SEARCH_INDEX_DIR": str(workdir / "search-index"),
        # seed-demo writes the demo's payments there, and the simulator serves them
        "STRIPE_SIMULATOR_STATE": str(workdir / "stripe-simulator.sqlite3"),
        "RATELIMIT_ENABLED": "false",
        # a test lets a deadline pass by writing a number of seconds here (see `shift_clock`)
        "CLOCK_OFFSET_FILE": str(workdir / "clock-offset"),
    }
    _flask(env, "db", "upgrade")
    _flask(env, "seed-demo")
    port = _free_port()
    env["PLATFORM_URL"] = f"http://127.0.0.1:{port}"  # absolute links in e-mails point at this server
    log = (workdir / "server.log").open("w")
    # Payments go to the local Stripe simulator, started as `make run` does.
    sim_base = f"http://127.0.0.1:{_free_port()}"
    env.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="", STRIPE_API_BASE=sim_base)
    simulator = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "marketplace:create_app", "stripe-simulator",
         "--webhook-url", f"http://127.0.0.1:{port}/webhooks/stripe"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    _wait_for(sim_base + "/", simulator, workdir)
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "marketplace:create_app", "run", "--port", str(port), "--no-reload"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    else:
        server.terminate()
        simulator.terminate()
        raise RuntimeError("the app did not start:\n" + (workdir / "server.log").read_text())
    yield LiveServer(base, workdir / "clock-offset")
    for process in (server, simulator):
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
