"""Browser test helpers: launch Debian's Chromium, wait for Streamlit, keep selectors in one place."""

from __future__ import annotations

import shutil

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script after the last action."""
    page.wait_for_selector(APP_IDLE, timeout=timeout)
    page.wait_for_timeout(300)  # let the last delta paint
    page.wait_for_selector(APP_IDLE, timeout=timeout)
