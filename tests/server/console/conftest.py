"""Console fixtures: a seeded database, a real `taskloom serve` on loopback, a real browser
(Debian's chromium driven by Playwright), and logged-in HTTP clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.collector.factories import LiveCollector
from tests.server.console.factories import PASSWORD, Seeded, seed

CHROMIUM = os.environ.get("TASKLOOM_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    work = tmp_path_factory.mktemp("console")
    return seed(f"sqlite:///{work / 'console.db'}", work)


@pytest.fixture(scope="module")
def server(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCollector]:
    live = LiveCollector(seeded.db, tmp_path_factory.mktemp("serve")).start()
    try:
        yield live
    finally:
        live.stop()


def login_client(server: LiveCollector, username: str) -> httpx.Client:
    """An HTTP client logged in through the login form, with the page's CSRF token."""
    client = httpx.Client(base_url=server.url, timeout=60, follow_redirects=False)
    form = client.get("/login")
    token = form.cookies.get("taskloom_login") or client.cookies.get("taskloom_login")
    resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token, "next": "/studies"})
    assert resp.status_code == 303, resp.text
    page = client.get("/studies")
    marker = 'name="csrf-token" content="'
    start = page.text.index(marker) + len(marker)
    client.headers["X-CSRF-Token"] = page.text[start:page.text.index('"', start)]
    return client


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}; .ci/run installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # Playwright starts the browser with a fresh temporary --user-data-dir of its own.
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where page screenshots go: $TASKLOOM_SCREENSHOTS, else a pytest temp folder."""
    given = os.environ.get("TASKLOOM_SCREENSHOTS")
    path = Path(given) if given else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
