"""A resident arriving on a deep link (a QR code to /survey) gets the whole app, not a bare page."""

import pytest
from playwright.sync_api import expect

from tests.browser import support


@pytest.mark.parametrize("path", ["/survey", "/privacy"])
def test_first_visitor_on_a_deep_link_sees_the_menu_and_the_page(start_app, page, path):
    server = start_app()  # a fresh server: nobody has opened Home on it yet
    support.goto(page, server.url + path)
    menu = page.locator(support.SIDEBAR)
    expect(menu.get_by_role("link", name="Home")).to_be_visible()
    expect(menu.get_by_role("link", name="Report a concern")).to_be_visible()
    expect(page.get_by_role("button", name="Exit this page").first).to_be_visible()
