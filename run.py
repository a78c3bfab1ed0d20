"""Entry point: `gunicorn run:app` in production, `python run.py` for development."""

import os

if __name__ == "__main__":
    os.environ.setdefault("FLASK_DEBUG", "1")

from screening import create_app  # noqa: E402

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
