"""Shared Playwright set-up: Debian's Chromium, headless, against the live server (never a downloaded browser)."""

import contextlib
import os

from django.conf import settings
from django.db import close_old_connections
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in this thread; tests still query the ORM between steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = {
    "executable_path": "/usr/lib/chromium/chromium",  # the real binary; the /usr/bin wrapper starts slower
    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"],
}


@contextlib.contextmanager
def browser_page(live_server_url: str, session_key: str | None = None):
    """A page on the live server, logged in with ``session_key`` when given."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**CHROMIUM)
        context = browser.new_context(base_url=live_server_url, viewport={"width": 1400, "height": 1000})
        if session_key:
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server_url}])
        # The ORM inside the block may run on a connection of the block's own, left from an earlier test and
        # since cut (the fault tests terminate every other backend): start on a fresh one, leave none behind.
        close_old_connections()
        try:
            yield context.new_page()
        finally:
            close_old_connections()
            browser.close()


def session_of(user) -> str:
    """A logged-in session key for ``user`` (for ``browser_page``): no login form to fill in every test."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value
