"""Headless Chromium for the admin's browser tests: the system's Chromium (installed by
`make system-deps-test`) driven by playwright, a login, and where screenshots go."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium(profile: Path, **options: Any) -> Iterator[Any]:
    """A headless Chromium context with its own profile folder, 1280×900 unless ``options`` say else."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            **{"viewport": {"width": 1280, "height": 900}, **options},
        )
        try:
            yield context
        finally:
            context.close()


def log_in(page: Any, base: str, password: str, user: str = "boss") -> None:
    """Sign in through the login form the page is on; waits for the dashboard."""
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")


def screenshot_dir(tmp_path: Path) -> Path:
    """$OASIS_ADMIN_SCREENSHOTS (docs/admin when the docs' pictures are re-taken), else the test's own."""
    target = Path(os.environ.get("OASIS_ADMIN_SCREENSHOTS", tmp_path / "screenshots"))
    target.mkdir(parents=True, exist_ok=True)
    return target
