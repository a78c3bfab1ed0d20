"""Page weight: what a patient's phone downloads for each page, on the first visit and on later ones."""

from __future__ import annotations

import gzip
import re
import urllib.request

from tests.journeys import Browser, Log, Patient, make_journey

from .procs import BenchServer

ASSET_RE = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')
INFO_PAGES = ("/", "/about-the-procedure", "/privacy", "/notice-of-privacy-practices")


class WeighingBrowser(Browser):
    """Keeps every page the journey read (HTML with status 200), by path."""

    def __init__(self, base: str):
        super().__init__(base, Log())
        self.pages: dict[str, str] = {}

    def send(self, method, path, data=None):
        response = super().send(method, path, data)
        if method == "GET" and response.status == 200:
            self.pages.setdefault(path.split("?", 1)[0], response.body)
        return response


def _gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, 6))


def _cached_for_good(cache_control: str) -> bool:
    """Will a browser use its copy without asking again (no request at all on later pages)?"""
    directives = {part.strip().split("=")[0]: part.strip() for part in cache_control.lower().split(",")}
    if "no-cache" in directives or "no-store" in directives:
        return False
    age = directives.get("max-age", "max-age=0").split("=")[-1]
    return "immutable" in directives or (age.isdigit() and int(age) >= 86400)


def measure(server: BenchServer) -> dict:
    """Per patient page: requests and gzip bytes on a first visit (nothing cached) and on a later page."""
    browser = WeighingBrowser(server.base)
    for number in range(7):  # every answer set: every step, the urgent advice, summary, request, confirmation
        browser.jar.clear()
        Patient(browser, make_journey(9_000 + number)).walk()
    for path in INFO_PAGES:
        browser.get(path)
    assets: dict[str, tuple[int, bool]] = {}
    pages = {}
    for path, html in sorted(browser.pages.items()):
        links = ASSET_RE.findall(html)
        for link in links:
            if link not in assets:
                with urllib.request.urlopen(server.base + link, timeout=30) as response:  # nosec B310  (loopback)
                    assets[link] = (
                        _gzip_size(response.read()),
                        _cached_for_good(response.headers.get("Cache-Control", "")),
                    )
        page = _gzip_size(html.encode())
        later = [link for link in links if not assets[link][1]]
        pages[path] = {
            "first_visit": {"requests": 1 + len(links), "gzip_bytes": page + sum(assets[x][0] for x in links)},
            "later": {"requests": 1 + len(later), "gzip_bytes": page},
        }
    return {
        "pages": pages,
        "assets": {link: {"gzip_bytes": size, "cached_for_good": cached} for link, (size, cached) in assets.items()},
    }
