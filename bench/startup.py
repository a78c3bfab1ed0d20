"""Import and start-up: `import screening` + `create_app()` against `import flask` + `Flask(__name__)`."""

from __future__ import annotations

import os
import secrets
import subprocess  # nosec B404  (our own interpreter, fixed code)
import sys
import tempfile

from tests.journeys import ROOT

from .stats import spread

APP = """
import time
began = time.perf_counter()
from screening import create_app
create_app()
print(time.perf_counter() - began)
"""
BARE = """
import time
began = time.perf_counter()
from flask import Flask
Flask(__name__)
print(time.perf_counter() - began)
"""


def _run(code: str, env: dict) -> float:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,  # nosec B603
        text=True,
        timeout=60,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def measure(repeats: int) -> dict:
    """Each a fresh interpreter (nothing cached in memory but the OS's file cache), alternated."""
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "SECRET_KEY": secrets.token_hex(32),
            "INSTANCE_PATH": folder,
            "HOME": folder,
        }
        _run(APP, env)  # compile .pyc once, outside the measurement
        app, bare = [], []
        for _ in range(repeats):
            app.append(_run(APP, env) * 1000)
            bare.append(_run(BARE, env) * 1000)
    return {"app_ms": spread(app), "bare_ms": spread(bare)}
