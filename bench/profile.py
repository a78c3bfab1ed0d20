"""Where a patient request's time goes: `python -m bench.profile [journeys]` (pyinstrument, one process).

The app as production configures it (not testing), on a fresh database, served on 127.0.0.1 by werkzeug in a
thread; the load test's journeys walk it over HTTP, and only the time inside the app is profiled.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import tempfile
import threading
from pathlib import Path

from pyinstrument import Profiler
from werkzeug.serving import make_server

from tests.journeys import Browser, Log, Patient, make_journey


def main(journeys: int = 20) -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(
            {
                "SECRET_KEY": secrets.token_hex(32),
                "SESSION_COOKIE_SECURE": "0",
                "RATELIMIT_ENABLED": "0",
                "INSTANCE_PATH": folder,
                "DATABASE_PATH": str(Path(folder) / "screening.db"),
            }
        )
        from screening import create_app
        from screening.db import init_db

        app = create_app()
        init_db(app.config["DATABASE"])
        profiler = Profiler(interval=0.0005)
        inner = app.wsgi_app

        def profiled(environ, start_response):
            profiler.start()
            try:
                return list(inner(environ, start_response))
            finally:
                profiler.stop()

        app.wsgi_app = profiled
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        server = make_server("127.0.0.1", 0, app)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        Patient(Browser(base, Log()), make_journey(0)).walk()  # warm: templates compiled
        profiler.reset()
        for number in range(1, journeys + 1):
            Patient(Browser(base, Log()), make_journey(number)).walk()
        server.shutdown()
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
