"""Browser tests: Debian's Chromium driven by Playwright, against a real server thread."""

import os
import threading
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from screening import create_app
from screening.db import init_db

from ..conftest import test_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} not found: install it with 'apt-get install chromium'"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (REQUIRE_BROWSER=1)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    app = create_app(test_settings(folder, CLINIC_LOCATIONS=["Main office", "Northside"]))
    init_db(app.config["DATABASE"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.port}", app=app)
    server.shutdown()


@pytest.fixture
def context_factory(browser, live_server):
    """New browser contexts (fresh cookies), each watched for requests leaving the origin."""
    contexts, outside = [], []

    def make(**options):
        context = browser.new_context(**{"viewport": {"width": 1024, "height": 800}, **options})
        context.on(
            "request", lambda r: None if r.url.startswith((live_server.url, "data:", "tel:")) else outside.append(r.url)
        )
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert outside == [], f"requests left the origin: {outside}"


@pytest.fixture
def page(context_factory):
    return context_factory().new_page()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_accessible(axe):
    def check(page):
        results = axe.run(page)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory):
    """Screenshots kept for people to look at, under the pytest temp dir."""
    return tmp_path_factory.mktemp("artifacts")


def pytest_collection_modifyitems(items):
    """Every test in this folder drives Chromium: `make test-fast` leaves them out by this marker."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)
