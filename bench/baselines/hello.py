"""One route rendering a tiny template: what Flask, Jinja and gunicorn cost on their own."""

from flask import Flask, render_template_string

app = Flask(__name__)
PAGE = "<!doctype html><title>{{ title }}</title><p>Hello, {{ name }}.</p>"


@app.route("/", methods=["GET", "POST"])
def hello():
    return render_template_string(PAGE, title="Hello", name="patient")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
