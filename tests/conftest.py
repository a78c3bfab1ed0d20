import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from screening import clock, create_app, questionnaire
from screening.db import connect, init_db

from .answers import LIKELY
from .journeys import CSRF_RE

ASKED_RE = re.compile(r'name="asked"[^>]*value="([^"]*)"')


def test_settings(tmp_path, **overrides) -> dict:
    """The settings of every test app: a database and instance folder of its own, no rate limits."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE": str(tmp_path / "test.db"),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "CLINIC_NAME": "Test Spine Clinic",
        "CLINIC_PHONE": "(555) 010-0199",
        "CLINIC_LOCATIONS": ["Main office"],
        # Open around the clock, so that due times are simple sums; clinic hours have tests of their own.
        "CLINIC_HOURS": "Mon-Sun 00:00-24:00",
        **overrides,
    }


test_settings.__test__ = False  # a helper, not a test


@pytest.fixture
def app(tmp_path):
    app = create_app(test_settings(tmp_path))
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


def post_form(client, page_url, action_url, data):
    """Post a form as a browser does: with the CSRF token of the page that shows it."""
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    return client.post(action_url, data={"csrf_token": token, **data})


def audit_rows(app, action=None):
    db = connect(app.config["DATABASE"])
    sql = "SELECT * FROM audit_log" + (" WHERE action = ?" if action else "") + " ORDER BY id"
    return list(db.query(sql, [action] if action else []))


def audit_actions(app):
    return [row["action"] for row in audit_rows(app)]


def move_clock(monkeypatch, start=None, **delta):
    """The app's clock, moved by `delta` from `start` (default: now). Only the clock is ever faked."""
    moved = (start or clock.now()) + timedelta(**delta)
    monkeypatch.setattr(clock, "now", lambda: moved)


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

    def answer_shown_again(self, step_id, answers, **kwargs):
        """Post a step that comes back (errors, or questions its answers added): the redirect to the same
        step (post/redirect/get), then the page it shows."""
        response = self.answer(step_id, answers, **kwargs)
        assert response.status_code == 303 and response.headers["Location"] == f"/step/{step_id}", (
            response.status_code,
            response.headers.get("Location"),
        )
        return self.client.get(response.headers["Location"])

    def complete(self, answers=LIKELY):
        """Answer every step that applies, asking follow-ups as JavaScript would."""
        self.start()
        definition = questionnaire.current()
        for step in definition.steps:
            items = definition.shown_items(step, answers)
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
            "voicemail_ok": "yes",
            "language": "en",
            "interpreter": "no",
            "patient_status": "new",
            "insurance": "medicare",
            "message": "",
            "consent": "y",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    def send_request(self, **overrides):
        """Send the request form; when it comes back with errors (post/redirect/get), the page shown."""
        response = self.client.post("/request", data=self.request_form(**overrides))
        if response.status_code == 303 and response.headers["Location"] == "/request":
            return self.client.get("/request")
        return response


@pytest.fixture
def patient(client):
    return Patient(client)


assert set(LIKELY) <= set(questionnaire.current().items)


# Staff side

PASSWORDS = {
    "front_desk": "amber-kettle-violin-42",
    "physician": "quiet-harbor-lantern-7",
    "admin": "mossy-granite-pelican-9",
}
USERNAMES = {"front_desk": "frida", "physician": "dr_patel", "admin": "ada"}


# argon2's cheapest parameters: production's are slow on purpose, which would only slow the tests down.
# A test marked `strong_hashing` keeps production's (and checks them).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashing(request, monkeypatch):
    if request.node.get_closest_marker("strong_hashing") is None:
        from screening.auth import users

        monkeypatch.setattr(users, "hasher", CHEAP_HASHER)
        users._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def password_hashes():
    return {role: CHEAP_HASHER.hash(password) for role, password in PASSWORDS.items()}


@pytest.fixture
def staff(app, password_hashes):
    """One account per role; returns {role: User}."""
    from screening.auth import users

    db = connect(app.config["DATABASE"])
    for role in PASSWORDS:
        db["users"].insert(
            {
                "username": USERNAMES[role],
                "display_name": f"Test {role}",
                "role": role,
                "password_hash": password_hashes[role],
                "created_at": "2026-01-01T00:00:00+00:00",
            }
        )
    found = {role: users.by_username(db, USERNAMES[role]) for role in PASSWORDS}
    db.close()
    return found


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, role="front_desk", username=None, password=None):
        html = self.client.get("/staff/login").get_data(as_text=True)
        return self.client.post(
            "/staff/login",
            data={
                "csrf_token": csrf_token(html),
                "username": username or USERNAMES[role],
                "password": password or PASSWORDS[role],
            },
        )

    def token(self, url="/staff/"):
        return csrf_token(self.client.get(url).get_data(as_text=True))

    def logout(self):
        return self.client.post("/staff/logout", data={"csrf_token": self.token()})


@pytest.fixture
def auth(client, staff):
    return AuthActions(client)


def request_details(full_name: str, phone: str, **overrides) -> dict:
    """A patient's contact details as `submissions.submit_request` takes them, for requests stored directly."""
    return {
        "full_name": full_name,
        "phone": phone,
        "email": None,
        "date_of_birth": "1968-03-27",
        "preferred_contact": "phone",
        "best_time": "morning",
        "location": "Main office",
        "patient_status": "new",
        "insurance": None,
        "message": "",
        **overrides,
    }


@pytest.fixture
def make_request(app):
    """Store a screening and a consultation request directly; returns the request row."""
    from screening.assessment import assess
    from screening.patient import drafts, submissions

    counter = iter(range(1, 1_000_000))

    def make(answers=None, name=None, status="new", due_in_hours=24, location="Main office", **contact):
        n = next(counter)
        details = request_details(
            **{
                "full_name": name or f"Patient {n:03d}",
                "phone": f"+1202555{n:04d}",
                "email": f"patient{n}@example.com",
                "location": location,
                **contact,
            }
        )
        with app.app_context():
            from screening.db import get_db

            db = get_db()
            reference, _ = submissions.submit_request(
                db,
                drafts.new_token(),
                assess(answers or LIKELY),
                details,
                lambda now: now + timedelta(hours=due_in_hours),
            )
            if status != "new":
                db.execute("UPDATE requests SET status = ? WHERE reference = ?", [status, reference])
            return next(db.query("SELECT * FROM requests WHERE reference = ?", [reference]))

    return make


def pytest_sessionstart(session):
    """Compile the translation catalogs (as `make test` does), so pytest run directly sees Spanish too."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from screening.i18n import TRANSLATIONS

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source, mo.open("wb") as target:
                write_mo(target, read_po(source))
