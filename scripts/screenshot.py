"""Take a screenshot of a running app page in headless Chromium: for looking at pages while working.

python scripts/screenshot.py http://localhost:8501/survey out.png [--phone] [--full]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.support import launch_browser, wait_for_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--phone", action="store_true")
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        viewport = {"width": 390, "height": 844} if args.phone else {"width": 1280, "height": 900}
        page = browser.new_page(viewport=viewport)
        page.goto(args.url)
        wait_for_app(page)
        page.screenshot(path=args.out, full_page=args.full)
        browser.close()


if __name__ == "__main__":
    main()
