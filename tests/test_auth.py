"""Staff sign-in, sessions, lockout, passwords and deny-by-default access."""

import re
from datetime import timedelta

import pytest

from screening import clock
from screening.auth import is_public
from screening.auth import users as accounts
from screening.db import connect

from .conftest import PASSWORDS, AuthActions, audit_actions

P = pytest.param


# Deny by default


def _urls(app, reference):
    """(endpoint, method, url) for every rule of the app, with sample arguments."""
    samples = {
        "reference": reference,
        "user_id": 1,
        "message_id": 1,
        "step_id": "about",
        "filename": "css/main.css",
        "token": "not-a-real-token",
        "block_id": 1,
    }
    for rule in app.url_map.iter_rules():
        method = "GET" if "GET" in rule.methods else "POST"
        url = rule.rule
        for argument in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{argument}>", str(samples[argument]), url)
        yield rule.endpoint, method, url


def test_every_private_endpoint_sends_anonymous_visitors_to_sign_in(app, client, make_request):
    reference = make_request()["reference"]
    private = [(e, m, u) for e, m, u in _urls(app, reference) if not is_public(e)]
    assert len(private) >= 10
    for endpoint, method, url in private:
        response = client.open(url, method=method)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/staff/login"), endpoint


def test_every_private_endpoint_declares_its_roles_and_refuses_the_others(app, make_request, staff):
    reference = make_request()["reference"]
    checked = 0
    for role in PASSWORDS:
        client = app.test_client()
        AuthActions(client).login(role)
        for endpoint, method, url in _urls(app, reference):
            if is_public(endpoint):
                continue
            allowed = getattr(app.view_functions[endpoint], "allowed_roles", None)
            assert allowed, f"{endpoint} declares no roles"
            if role not in allowed:
                assert client.open(url, method=method).status_code == 403, (role, endpoint)
                checked += 1
    assert checked >= 8
    assert "access_denied" in audit_actions(app)


def test_forbidden_page_is_friendly(auth, client, make_request):
    auth.login("admin")
    response = client.get(f"/staff/requests/{make_request()['reference']}")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.get_data(as_text=True)


def test_public_pages_stay_public(client):
    for url in ("/", "/about-the-procedure", "/questionnaire.json", "/staff/login", "/healthz", "/static/css/main.css"):
        assert client.get(url).status_code == 200, url


# Signing in and out


@pytest.mark.parametrize(
    "role, home",
    [
        P("front_desk", "/staff/", id="front-desk"),
        P("physician", "/staff/", id="physician"),
        P("admin", "/admin/users", id="admin"),
    ],
)
def test_sign_in_goes_home_by_role(auth, app, role, home):
    response = auth.login(role)
    assert response.status_code == 303 and response.headers["Location"] == home
    assert audit_actions(app)[-1] == "login_ok"


def test_sign_in_returns_to_the_page_asked_for_but_never_elsewhere(auth, client):
    client.get("/staff/login")
    html = client.get("/staff/login?next=/staff/export.csv").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        "/staff/login?next=/staff/export.csv",
        data={"csrf_token": token, "username": "frida", "password": PASSWORDS["front_desk"]},
    )
    assert response.headers["Location"] == "/staff/export.csv"
    auth.logout()
    response = client.post(
        "/staff/login?next=//evil.example/staff/",
        data={"csrf_token": auth.token("/staff/login"), "username": "frida", "password": PASSWORDS["front_desk"]},
    )
    assert response.headers["Location"] == "/staff/"


@pytest.mark.parametrize(
    "username, password",
    [
        P("frida", "wrong-password-here", id="wrong-password"),
        P("nobody", "whatever-password", id="unknown-user"),
        P("FRIDA", "wrong-password-here", id="case-insensitive-name"),
    ],
)
def test_failed_sign_in_says_the_same_thing(auth, app, client, username, password):
    response = auth.login(username=username, password=password)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "That username and password do not match" in html
    assert password not in html
    assert audit_actions(app)[-1] == "login_failed"


def test_session_is_cleared_at_sign_in(auth, client):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session


def test_sign_out_is_post_only_and_ends_the_session(auth, client, app):
    auth.login()
    assert client.get("/staff/logout").status_code == 405
    auth.logout()
    assert client.get("/staff/").headers["Location"].startswith("/staff/login")
    assert "logout" in audit_actions(app)


def test_copied_cookie_stops_working_after_sign_out(auth, app, client):
    auth.login()
    stolen = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/staff/").headers["Location"].startswith("/staff/login")


@pytest.mark.parametrize("action", ["deactivate", "password"])
def test_copied_cookie_stops_working_after_deactivation_or_password_change(auth, app, client, staff, action):
    auth.login()
    cookie = client.get_cookie("session").value
    with app.app_context():
        from screening.db import get_db

        if action == "deactivate":
            accounts.deactivate(get_db(), staff["front_desk"])
        else:
            accounts.set_password(get_db(), staff["front_desk"], "fresh-meadow-anchor-88")
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/staff/").headers["Location"].startswith("/staff/login")


def test_deactivated_user_cannot_sign_in(auth, app, staff):
    with app.app_context():
        from screening.db import get_db

        accounts.deactivate(get_db(), staff["front_desk"])
    assert "do not match" in auth.login().get_data(as_text=True)


# Throttling and timeouts


def throttle_rows(app):
    db = connect(app.config["DATABASE"])
    return {r["key"]: r["failures"] for r in db.query("SELECT * FROM sign_in_throttle")}


def freeze_clock(monkeypatch):
    frozen = clock.now()
    monkeypatch.setattr(clock, "now", lambda: frozen)
    return frozen


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client)


def in_parallel(actions, threads=9):
    """Run the callables at once (a barrier releases them together); returns their results in order."""
    import contextlib
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(min(threads, len(actions)))

    def run(action):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)
        return action()

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, actions))


def test_parallel_wrong_passwords_are_each_counted_or_refused(app, staff, monkeypatch):
    freeze_clock(monkeypatch)
    clients = [client_at(app, "10.0.0.9") for _ in range(20)]
    statuses = in_parallel([lambda c=c: c.login(password="wrong-wrong-wrong").status_code for c in clients])
    counted = throttle_rows(app)
    assert statuses.count(200) + statuses.count(429) == 20
    # Every attempt that checked a password was counted first: none slipped past the count.
    assert counted["account:frida"] == counted["address:10.0.0.9"] == statuses.count(200) == 5
    assert audit_actions(app).count("login_failed") == 5 and audit_actions(app).count("login_throttled") == 15


def test_the_right_password_inside_a_burst_of_guesses_is_refused_until_the_delay_passes(app, staff, monkeypatch):
    frozen = freeze_clock(monkeypatch)
    for _ in range(5):
        client_at(app, "10.0.0.9").login(password="wrong-wrong-wrong")
    burst = [lambda: client_at(app, "10.0.0.9").login(password="wrong-wrong-wrong").status_code] * 20
    burst.insert(13, lambda: client_at(app, "10.0.0.9").login().status_code)
    assert in_parallel(burst) == [429] * 21  # guess 19 of 26 was right: still no way in
    monkeypatch.setattr(clock, "now", lambda: frozen + timedelta(seconds=2))  # waited 2 s: 1 s was asked
    assert client_at(app, "10.0.0.9").login().headers["Location"] == "/staff/"
    assert "account:frida" not in throttle_rows(app)  # a success forgives the failures


def test_delays_grow_then_cap_at_fifteen_minutes(app, staff, monkeypatch):
    from screening.auth import throttle

    assert [throttle.delay_after(n).total_seconds() for n in (0, 4, 5, 6, 7, 14, 15, 30)] == [
        0,
        0,
        1,
        2,
        4,
        512,
        900,
        900,
    ]
    start = freeze_clock(monkeypatch)
    outsider = client_at(app, "203.0.113.5")
    elapsed = timedelta(0)
    for n in range(12):
        elapsed += throttle.delay_after(n)
        monkeypatch.setattr(clock, "now", lambda e=elapsed: start + e)
        assert outsider.login(password="wrong-wrong-wrong").status_code == 200  # each waited its turn
    response = outsider.login(password="wrong-wrong-wrong")
    assert response.status_code == 429 and response.headers["Retry-After"] == "128"
    assert "Wait 3 minutes" in response.get_data(as_text=True)


def test_an_outsider_cannot_lock_a_colleague_out_of_a_browser_they_used_before(app, staff, monkeypatch):
    colleague = client_at(app, "192.0.2.10")
    assert colleague.login().headers["Location"] == "/staff/"  # an earlier sign-in: this browser is known
    colleague.logout()
    start = freeze_clock(monkeypatch)
    outsider = client_at(app, "203.0.113.5")
    for minute in range(0, 60, 2):  # an hour of guessing at the pace the delays allow
        monkeypatch.setattr(clock, "now", lambda m=minute: start + timedelta(minutes=m))
        outsider.login(password="wrong-wrong-wrong")
    assert throttle_rows(app)["account:frida"] >= 15
    assert colleague.login().headers["Location"] == "/staff/"  # at once, from the known browser
    # A browser that never signed in to this account waits with the outsider (an administrator can clear it).
    assert client_at(app, "192.0.2.11").login().status_code == 429


@pytest.mark.parametrize("username", ["frida", "ghost", "FRIDA "])
def test_the_same_work_and_the_same_answer_whether_the_account_exists_or_is_throttled(
    app, staff, monkeypatch, username
):
    checked = []
    real_verify = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda h, p: checked.append(h) or real_verify(h, p))
    freeze_clock(monkeypatch)
    client = client_at(app, "10.0.0.7")
    pages = [client.login(username=username, password="wrong-wrong-wrong") for _ in range(7)]
    assert len(checked) == 7  # one password hash checked per attempt, refused or not
    assert [p.status_code for p in pages] == [200] * 5 + [429] * 2
    texts = {re.sub(r'value="[^"]*"', "", p.get_data(as_text=True)) for p in pages[:5]}
    assert len(texts) == 1 and "do not match" in texts.pop()
    assert "Too many failed sign-ins" in pages[5].get_data(as_text=True)
    assert pages[5].get_data(as_text=True).count("Staff sign in") >= 1


def test_administrators_see_repeated_failures_and_can_clear_them(app, staff, monkeypatch):
    freeze_clock(monkeypatch)
    outsider = client_at(app, "203.0.113.5")
    for _ in range(6):
        outsider.login(password="wrong-wrong-wrong")
    admin = client_at(app, "192.0.2.20")
    admin.login("admin")
    page = admin.client.get("/admin/users").get_data(as_text=True)
    assert "Repeated failed sign-ins" in page
    assert re.search(r"frida.*?5 failed", page, re.S) and "203.0.113.5" in page
    response = admin.client.post(
        "/admin/sign-in-failures/clear", data={"csrf_token": admin.token("/admin/users"), "username": "frida"}
    )
    assert response.status_code == 303
    assert "account:frida" not in throttle_rows(app)
    assert "sign_in_cleared" in audit_actions(app)
    assert client_at(app, "192.0.2.11").login().headers["Location"] == "/staff/"


def test_idle_timeout(auth, app, client, monkeypatch):
    auth.login()
    start = clock.now()
    at = lambda minutes: monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=minutes))  # noqa: E731
    at(14)
    assert client.get("/staff/").status_code == 200  # activity keeps the session alive
    at(28)  # 14 idle minutes since
    assert client.get("/staff/").status_code == 200
    at(44)  # 16 idle minutes
    response = client.get("/staff/")
    assert response.headers["Location"].startswith("/staff/login")
    assert "timeout" in audit_actions(app)
    assert "inactivity" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_absolute_limit_of_twelve_hours(auth, client, monkeypatch):
    auth.login()
    start = clock.now()
    for minutes in range(10, 12 * 60, 10):
        monkeypatch.setattr(clock, "now", lambda m=minutes: start + timedelta(minutes=m))
        assert client.get("/staff/").status_code == 200
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=12, minutes=5))
    assert client.get("/staff/").headers["Location"].startswith("/staff/login")


def test_sign_in_is_rate_limited_per_address_with_a_staff_page(app, staff):
    from screening.extensions import limiter

    app.config["RATELIMIT_ENABLED"] = True
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    limiter.init_app(app)
    limiter.reset()
    try:
        auth = AuthActions(app.test_client())
        responses = [auth.login(username=f"user{n}", password="nope-nope-nope") for n in range(4)]
        assert [r.status_code for r in responses] == [200, 200, 200, 429]
        page = responses[-1].get_data(as_text=True)
        assert 0 < int(responses[-1].headers["Retry-After"]) <= 61  # the one-minute window, rounded up
        assert "Staff sign in" in page and "call us" not in page  # a staff page, not the patient one
        assert re.search(
            r"Too many failed sign-ins from this network\. Try again at [A-Z][a-z]{2} \d+, "
            r"\d+:\d\d [ap]\.m\. \(in (\d+ seconds?|[12] minutes?)\)",
            page,
        )
        assert 'name="username"' in page and 'value="user3"' in page  # the form, with what was typed
    finally:
        limiter.reset()


def test_an_office_sharing_one_address_is_not_locked_out_by_correct_sign_ins(app, staff, password_hashes):
    """The limit per address counts failed sign-ins only: a busy office behind one address signs in all day."""
    from screening.extensions import limiter

    db = connect(app.config["DATABASE"])
    for n in range(6):
        db["users"].insert(
            {
                "username": f"desk{n}",
                "display_name": f"Desk {n}",
                "role": "front_desk",
                "password_hash": password_hashes["front_desk"],
                "created_at": "2026-01-01T00:00:00+00:00",
            }
        )
    db.conn.commit()
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    limiter.init_app(app)
    limiter.reset()
    try:
        # Six colleagues, each on a browser new to their account, sign in (and again after a timeout).
        for _round in range(2):
            for n in range(6):
                office = client_at(app, "198.51.100.20")
                assert office.login(username=f"desk{n}").status_code == 303
        # One mistyped password is not a flood either; the office still signs in.
        assert client_at(app, "198.51.100.20").login(username="desk0", password="typo-typo-typo").status_code == 200
        assert client_at(app, "198.51.100.20").login(username="desk1").status_code == 303
        # A run of failures still meets the limit, with the staff sign-in page saying when to try again.
        guesses = [
            client_at(app, "198.51.100.20").login(username="desk2", password="guess-guess-guess") for _ in range(3)
        ]
        assert [g.status_code for g in guesses] == [200, 200, 429]
        assert "Try again at" in guesses[-1].get_data(as_text=True)
        assert "login_throttled" in audit_actions(app)
    finally:
        limiter.reset()


@pytest.mark.parametrize(
    "target",
    [
        "/staff/\r\nSet-Cookie:%20x=1",
        "/staff/\nx",
        "/staff/\x00",
        "//evil.example",
        "/staff//evil.example",
        "https://evil.example/staff/",
        "/staff/requests/ABCD?x=1",
    ],
)
def test_next_after_sign_in_is_a_staff_path_or_home(auth, target):
    from urllib.parse import quote

    html = auth.client.get("/staff/login").get_data(as_text=True)
    from .conftest import csrf_token

    response = auth.client.post(
        f"/staff/login?next={quote(target, safe='/?=')}",
        data={"csrf_token": csrf_token(html), "username": "frida", "password": PASSWORDS["front_desk"]},
    )
    assert response.status_code == 303
    expected = target if target == "/staff/requests/ABCD?x=1" else "/staff/"
    assert response.headers["Location"] == expected


# Passwords


@pytest.mark.parametrize(
    "password, problem",
    [
        P("short", "at least 12", id="too-short"),
        P("x" * 129, "at most 128", id="too-long"),
        P("passwordpassword", "too common", id="common"),
        P("iSeEdEaDpEoPlE", "too common", id="in-the-list-zxcvbn-alone-would-pass"),
        P("frida-frida-frida", "name or username", id="username-repeated"),
        P("Kahlo-summer-2024!", "name or username", id="own-name-inside"),
        P("aaaaaaaaaaaaaaaa", "too common", id="one-character"),
        P("amber-kettle-violin-42", None, id="good"),
    ],
)
def test_password_rules(password, problem):
    found = accounts.password_problem(password, "frida", "Frida Kahlo")
    assert (found is None) if problem is None else (problem in found)


def test_the_common_password_list_refuses_what_zxcvbn_alone_passes():
    from zxcvbn import zxcvbn

    assert zxcvbn("iSeEdEaDpEoPlE")["score"] >= 3  # why the list stays (see password_problem)
    assert "too common" in accounts.password_problem("iSeEdEaDpEoPlE")


def test_the_create_user_command_refuses_a_password_with_the_persons_name(runner, app):
    result = runner.invoke(
        args=["create-user", "nina.park", "--role", "front_desk", "--name", "Nina Park"],
        input="ninapark2024!\nninapark2024!\ncalm-orchid-saddle-31\ncalm-orchid-saddle-31\n",
    )
    assert result.exit_code == 0 and "name or username" in result.output


@pytest.mark.strong_hashing
def test_password_hash_is_argon2id_with_strong_parameters(app, runner):
    result = runner.invoke(
        args=["create-user", "frida", "--role", "front_desk"],
        input=f"{PASSWORDS['front_desk']}\n{PASSWORDS['front_desk']}\n",
    )
    assert result.exit_code == 0, result.output
    row = next(connect(app.config["DATABASE"]).query("SELECT password_hash FROM users WHERE username = 'frida'"))
    match = re.match(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", row["password_hash"])
    assert match, row["password_hash"][:20]
    memory, time_cost, parallelism = map(int, match.groups())
    assert memory >= 19456 and time_cost >= 2 and parallelism >= 1
    assert PASSWORDS["front_desk"] not in row["password_hash"]


# Commands


def test_create_user_command_prompts_twice(runner, app):
    result = runner.invoke(
        args=["create-user", "nina", "--role", "physician", "--name", "Dr Nina"],
        input="calm-orchid-saddle-31\ncalm-orchid-saddle-31\n",
    )
    assert result.exit_code == 0, result.output
    assert "calm-orchid" not in result.output  # hidden input
    user = accounts.by_username(connect(app.config["DATABASE"]), "nina")
    assert user.role == "physician" and user.display_name == "Dr Nina"
    assert "user_created" in audit_actions(app)


def test_create_user_command_refuses_a_weak_password_and_asks_again(runner, app):
    result = runner.invoke(
        args=["create-user", "nina", "--role", "front_desk"],
        input="password\npassword\ncalm-orchid-saddle-31\ncalm-orchid-saddle-31\n",
    )
    assert result.exit_code == 0
    assert "at least 12" in result.output


def test_set_password_and_deactivate_commands(runner, auth, app):
    result = runner.invoke(args=["set-password", "frida"], input="river-copper-meadow-55\nriver-copper-meadow-55\n")
    assert result.exit_code == 0, result.output
    assert auth.login(password="river-copper-meadow-55").headers["Location"] == "/staff/"
    assert runner.invoke(args=["deactivate-user", "frida"]).exit_code == 0
    assert AuthActions(app.test_client()).login(password="river-copper-meadow-55").status_code == 200
    assert runner.invoke(args=["deactivate-user", "nobody"]).exit_code != 0


def test_ensure_admin_creates_the_first_account_once(runner, app):
    result = runner.invoke(args=["ensure-admin"])
    password = re.search(r"Password: (\S+)", result.output).group(1)
    signed_in = AuthActions(app.test_client()).login(username="admin", password=password)
    assert signed_in.headers["Location"] == "/admin/users"
    again = runner.invoke(args=["ensure-admin"])
    assert again.exit_code == 0 and "Password" not in again.output


def test_a_known_browser_signs_in_even_when_the_network_used_up_the_flood_limit(app, staff):
    from screening.extensions import limiter

    app.config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    limiter.init_app(app)
    limiter.reset()
    try:
        colleague = client_at(app, "192.0.2.30")
        assert colleague.login().headers["Location"] == "/staff/"  # this browser is now known
        colleague.logout()
        neighbour = client_at(app, "192.0.2.30")  # same network address
        statuses = [neighbour.login(username=f"x{n}", password="wrong-wrong-wrong").status_code for n in range(4)]
        assert statuses[-1] == 429
        assert colleague.login().headers["Location"] == "/staff/"
    finally:
        limiter.reset()
