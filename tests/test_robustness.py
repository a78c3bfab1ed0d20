"""No input makes the app fail: hostile values in every field of every endpoint, for every role."""

import re

import pytest

from screening.staff.intake import answer_columns

from .conftest import AuthActions, Patient, csrf_token

NASTY = [
    "",
    " ",
    "x" * 3000,
    "\x00",
    "'; DROP TABLE requests; --",
    "<script>alert(1)</script>",
    "%",
    "_",
    "../../etc/passwd",
    "１２３",
    "-1",
    "99999999999999999999999",
    "1e308",
    "ÿ\u202e",
    "None",
    "[]",
]
FIELDS = [
    *answer_columns(),
    "version",
    "asked",
    "return_to",
    "action",
    "full_name",
    "phone",
    "email",
    "date_of_birth-month",
    "date_of_birth-day",
    "date_of_birth-year",
    "preferred_contact",
    "best_time",
    "location",
    "patient_status",
    "insurance",
    "message",
    "consent",
    "website",
    "q",
    "status",
    "note",
    "method",
    "result",
    "username",
    "display_name",
    "role",
    "password",
    "confirm",
    "page",
    "outcome",
    "flag",
    "review",
    "user",
    "record",
    "from",
    "to",
    "next",
    "change",
]


def urls(app, reference):
    samples = {
        "reference": reference,
        "user_id": 1,
        "message_id": 1,
        "step_id": "medicines",
        "token": "x" * 43,
        "filename": "css/main.css",
        "block_id": 1,
    }
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for argument in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{argument}>", str(samples[argument]), url)
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield method, url


@pytest.mark.parametrize("who", ["patient", "front_desk", "physician", "admin"])
def test_hostile_input_never_causes_a_server_error(app, client, staff, make_request, who):
    reference = make_request()["reference"]
    if who == "patient":
        Patient(client).complete()
        token_page = "/step/age"
    else:
        AuthActions(client).login(who)
        token_page = "/staff/login" if who == "admin" else "/staff/"
    token = csrf_token(client.get("/admin/users" if who == "admin" else token_page).get_data(as_text=True))
    failures = []
    for method, url in urls(app, reference):
        if url == "/staff/logout":
            continue  # signing out would end the run early
        for value in NASTY:
            values = dict.fromkeys(FIELDS, value)
            if method == "GET":
                response = client.get(url, query_string=values)
            else:
                response = client.post(url, data={**values, "csrf_token": token, "pain_regions": [value, "neck"]})
            if response.status_code >= 500:
                failures.append((who, method, url, value[:20]))
    assert failures == []
