"""Static files under content-hashed URLs, cached by browsers for a year.

`url_for('static', filename=...)` adds `v=<hash of the file's bytes>`, so every
template gets the versioned URL without a change. A request carrying the
current hash is answered with `Cache-Control: public, max-age=31536000,
immutable`: after the first page, a patient's phone fetches only the page
itself. A changed file gets a new hash, hence a new URL; an old or missing
hash gets `no-cache`, so nobody keeps a stale file.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, request

FOREVER = "public, max-age=31536000, immutable"
_hashes: dict[Path, tuple[int, int, str]] = {}  # file -> (mtime_ns, size, hash): read again only when changed


def content_hash(path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    known = _hashes.get(path)
    if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    _hashes[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def init_app(app: Flask) -> None:
    folder = Path(app.static_folder).resolve()

    @lru_cache(maxsize=256)  # resolving a path costs more than hashing the URL; the answer never changes
    def file_of(filename: str) -> Path | None:
        path = (folder / filename).resolve()
        return path if path.is_relative_to(folder) else None

    @app.url_defaults
    def versioned(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            path = file_of(values["filename"])
            digest = path and content_hash(path)
            if digest:
                values["v"] = digest

    @app.after_request
    def cache_forever(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            path = file_of((request.view_args or {}).get("filename", ""))
            if path and request.args.get("v") and request.args.get("v") == content_hash(path):
                response.headers["Cache-Control"] = FOREVER
            else:
                response.headers["Cache-Control"] = "no-cache"
        return response
