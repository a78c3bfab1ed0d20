import re

import pytest

from screening import create_app
from screening.db import connect, init_db
from screening.questionnaire import ITEMS, STEPS, shown_items

from .answers import LIKELY

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ASKED_RE = re.compile(r'name="asked"[^>]*value="([^"]*)"')


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE": str(tmp_path / "test.db"),
        "RATELIMIT_ENABLED": False,
        "CLINIC_NAME": "Test Spine Clinic",
        "CLINIC_PHONE": "(555) 010-0199",
        "CLINIC_LOCATIONS": ["Main office"],
    })
    init_db(app.config["DATABASE"])
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.close()


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def form_data(answers: dict) -> dict:
    """Answers as a browser sends them: strings, lists for multi-choice."""
    data = {}
    for link_id, value in answers.items():
        data[link_id] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


class Patient:
    """Walks the patient pages like a browser without JavaScript: reads each page, then posts."""

    def __init__(self, client):
        self.client = client

    def start(self):
        token = csrf_token(self.client.get("/").get_data(as_text=True))
        return self.client.post("/start", data={"csrf_token": token})

    def page(self, url):
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.headers.get("Location"))
        return response.get_data(as_text=True)

    def answer(self, step_id, answers, action="continue", asked=None, **extra):
        html = self.page(f"/step/{step_id}")
        data = {"csrf_token": csrf_token(html), "action": action, **extra}
        data["asked"] = asked if asked is not None else ASKED_RE.search(html).group(1)
        data.update(form_data(answers))
        return self.client.post(f"/step/{step_id}", data=data)

    def complete(self, answers=LIKELY):
        """Answer every step that applies, asking follow-ups as JavaScript would."""
        self.start()
        for step in STEPS:
            items = shown_items(step, answers)
            if not items:
                continue
            step_answers = {i.link_id: answers[i.link_id] for i in items if i.link_id in answers}
            response = self.answer(step.id, step_answers, asked=" ".join(i.link_id for i in items))
            assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        return response

    def request_form(self, **overrides):
        html = self.page("/request")
        data = {
            "csrf_token": csrf_token(html),
            "full_name": "Pat Example",
            "phone": "(202) 555-0143",
            "email": "pat@example.com",
            "date_of_birth-month": "3",
            "date_of_birth-day": "27",
            "date_of_birth-year": "1968",
            "preferred_contact": "phone",
            "best_time": "morning",
            "patient_status": "new",
            "insurance": "medicare",
            "message": "",
            "consent": "y",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    def send_request(self, **overrides):
        return self.client.post("/request", data=self.request_form(**overrides))


@pytest.fixture
def patient(client):
    return Patient(client)


assert set(LIKELY) <= set(ITEMS)
