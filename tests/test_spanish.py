"""Spanish for patients: every page and email in the patient's language, the catalog complete, answers kept."""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from fhir.resources.R4B.questionnaire import Questionnaire

from screening import questionnaire
from screening.i18n import TRANSLATIONS

from .answers import LIKELY, URGENT, likely
from .conftest import Patient, csrf_token

PO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
# Words that are the same in both languages: names, numbers, codes, brand and programme names.
SAME_IN_BOTH = re.compile(
    r"^(?:[\W\d_]*|Test Spine Clinic|Main office|\(555\) 010-0199|[A-Z0-9]{4}-[A-Z0-9]{4}|Error:|No|Español|"
    r"English|Medicare|Medicaid|Latex|p•••@example\.com|.*[A-Z]{4}-[A-Z]{4}-[A-Z]{4}-[A-Z]{4}.*)$"
)


class TextNodes(HTMLParser):
    """The text a reader sees (and the title), skipping scripts and anything marked lang="en"."""

    def __init__(self):
        super().__init__()
        self.nodes, self.skip = [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "input", "meta", "link", "img"):
            return
        self.skip.append(tag in ("script", "style") or dict(attrs).get("lang") == "en")

    def handle_endtag(self, tag):
        if tag not in ("br", "input", "meta", "link", "img") and self.skip:
            self.skip.pop()

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not any(self.skip):
            self.nodes.append(text)


def texts(html: str) -> list[str]:
    parser = TextNodes()
    parser.feed(html)
    return parser.nodes


def english_msgids() -> list[str]:
    catalog = read_po(PO.open("rb"))
    return [m.id for m in catalog if m.id and len(m.id) > 12 and not SAME_IN_BOTH.match(m.id)]


def untranslated(spanish: str, english: str) -> list[str]:
    """Text shown identically in both languages (so never translated), and English catalog sentences."""
    same = set(texts(english)) & set(texts(spanish))
    found = [t for t in same if not SAME_IN_BOTH.match(t)]
    plain = " ".join(texts(spanish))
    found += [m for m in english_msgids() if "%" not in m and "{" not in m and "<" not in m and m in plain]
    return found


def test_the_catalog_has_every_patient_word_and_no_empty_or_fuzzy_entry():
    catalog = read_po(PO.open("rb"))
    entries = [m for m in catalog if m.id]
    assert not [m.id for m in entries if not m.string or m.fuzzy]
    assert not catalog.fuzzy
    ids = {m.id for m in entries}
    assert set(questionnaire.current().patient_texts()) <= ids  # every question, option, help and error
    template = read_po((TRANSLATIONS / "messages.pot").open("rb"))
    assert {m.id for m in template if m.id} == ids  # nothing extracted is missing from the Spanish catalog


def test_nothing_staff_only_is_in_the_catalog():
    ids = {m.id for m in read_po(PO.open("rb")) if m.id}
    definition = questionnaire.current()
    clinical = {i.clinical for i in definition.items.values()} | {
        o.clinical for i in definition.items.values() for o in i.options if o.clinical and o.clinical != o.label
    }
    assert not clinical & ids
    assert not {"Sign out", "Requests", "Accounts", "Audit trail", "Outbox", "Red flags"} & ids


@pytest.fixture
def spanish(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-US,es;q=0.9,en;q=0.5"
    return Patient(client)


def both(client, url, status=200):
    """The same page in Spanish and in English (GETs change nothing)."""
    spanish = client.get(url, headers={"Accept-Language": "es"})
    english = client.get(url, headers={"Accept-Language": "en"})
    assert spanish.status_code == english.status_code == status, (url, spanish.status_code)
    return spanish.get_data(as_text=True), english.get_data(as_text=True)


def assert_spanish(client, url, status=200):
    es, en = both(client, url, status)
    assert '<html lang="es">' in es and '<html lang="en">' in en, url
    assert "Project-Id-Version" not in es, url  # an empty text looked up: gettext's answer is the header
    assert not [t for t in texts(es) if re.search(r"(?<!\.)\.\.(?!\.)|\.\s\.", t)], url  # no doubled stop
    assert not untranslated(es, en), (url, untranslated(es, en))
    return es


def test_every_patient_page_in_spanish_has_no_english_sentence(app, spanish):
    client = spanish.client
    for url in ("/", "/about-the-procedure", "/privacy", "/notice-of-privacy-practices", "/no-such-page"):
        assert_spanish(client, url, 404 if url == "/no-such-page" else 200)
    spanish.start()
    definition = questionnaire.current()
    answers = likely(
        pain_regions=["neck", "low_back"],
        pain_spread="above_knee_elbow",
        limb_vs_spine="equal",
        numbness_tingling="no",
        neck_headache="yes",
        prior_procedures=["mbb", "rfa"],
        prior_mbb_relief="ge_80",
        prior_rfa_relief="lt_50",
        blood_thinners=["other"],
        blood_thinner_other="",
        allergies=["other"],
        allergy_other="",
    )
    for step in definition.steps:
        items = definition.shown_items(step, answers)
        if not items:
            continue
        assert_spanish(client, f"/step/{step.id}")
        # Every question's error, and every added question, in Spanish too.
        spanish.answer(step.id, {}, asked=" ".join(i.link_id for i in items))
        html = assert_spanish(client, f"/step/{step.id}")
        assert "Hay un problema" in html
        given = {i.link_id: answers[i.link_id] for i in items if i.link_id in answers}
        assert spanish.answer(step.id, given, asked=" ".join(i.link_id for i in items)).status_code == 303
    summary = assert_spanish(client, "/summary")
    assert "Resumen de su evaluación" in summary and "Cómo encajan sus respuestas" in summary
    assert_spanish(client, "/save-for-later")
    assert_spanish(client, "/resume")
    assert_spanish(client, "/request")
    spanish.send_request(full_name="", phone="12", email="nope", **{"date_of_birth-year": "19"}, consent=None)
    assert "Escriba su nombre completo" in assert_spanish(client, "/request")
    assert spanish.send_request().headers["Location"] == "/done"
    done = assert_spanish(client, "/done")
    assert "Su solicitud se envió" in done
    assert_spanish(client, "/done/summary")


def test_urgent_and_under_18_pages_in_spanish(app, spanish):
    spanish.complete(URGENT)
    urgent = assert_spanish(spanish.client, "/get-care-now")
    assert "Busque atención de emergencia ahora" in urgent
    assert "Busque atención de emergencia ahora" in assert_spanish(spanish.client, "/summary")
    minor = Patient(app.test_client())
    minor.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    minor.start()
    minor.answer("age", {"age_band": "under_18"})
    assert_spanish(minor.client, "/step/urgent")
    minor.answer("urgent", {"red_flags": ["none"]})
    assert "Esta evaluación por internet es para adultos" in assert_spanish(minor.client, "/adults-only")


def switch(client, to, next_url, **typed):
    html = client.get(next_url).get_data(as_text=True)
    return client.post(
        "/language", data={"csrf_token": csrf_token(html), "switch_language": to, "next": next_url, **typed}
    )


def test_switching_language_mid_questionnaire_keeps_every_answer(app, patient, db):
    patient.start()
    patient.answer("age", {"age_band": "50_64"})
    patient.answer("urgent", {"red_flags": ["none"]})
    before = json.loads(next(db.query("SELECT answers FROM drafts"))["answers"])
    # Typed on the pain step but not yet sent: sent along by the switch (its script), kept and shown again.
    response = switch(patient.client, "es", "/step/pain", pain_regions=["low_back"], pain_duration="gt_12m")
    assert response.status_code == 303 and response.headers["Location"] == "/step/pain"
    html = patient.page("/step/pain")
    assert '<html lang="es">' in html and "¿Dónde tiene el dolor?" in html
    assert re.search(r'value="low_back"\s+checked', html) and re.search(r'value="gt_12m"\s+checked', html)
    assert "Hay un problema" not in html  # nothing judged before Continue
    after = json.loads(next(db.query("SELECT answers FROM drafts"))["answers"])
    assert after == {**before, "pain_regions": ["low_back"], "pain_duration": "gt_12m"}
    assert next(db.query("SELECT language FROM drafts"))["language"] == "es"
    # Back to English: still every answer; the age step shows its saved choice.
    switch(patient.client, "en", "/step/age")
    assert re.search(r'value="50_64"\s+checked', patient.page("/step/age"))
    assert json.loads(next(db.query("SELECT answers FROM drafts"))["answers"]) == after


def test_the_choice_is_kept_with_the_draft_for_a_later_visit(app, patient):
    patient.start()
    switch(patient.client, "es", "/step/age")
    later = app.test_client()  # the same draft cookie, a new visit (no session), an English browser
    later.set_cookie("draft", patient.client.get_cookie("draft").value)
    assert '<html lang="es">' in later.get("/step/age", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_switch_only_goes_to_a_page_of_this_site(patient):
    # Outside the site, empty, or an address a link cannot open (a form's POST-only address: 405 otherwise).
    for target in ("https://evil.example/", "//evil.example/", "", "/start", "/diary/baseline", "/no-such-page"):
        assert switch(patient.client, "es", "/" if not target else "/", next=target).headers["Location"] == "/"
    html = patient.page("/")
    assert (
        patient.client.post(
            "/language", data={"csrf_token": csrf_token(html), "switch_language": "fr", "next": "/"}
        ).status_code
        == 400
    )


def test_summary_confirmation_and_request_in_the_chosen_language(app, patient, db):
    patient.complete(LIKELY)
    switch(patient.client, "es", "/summary")
    assert "Un bloqueo de rama medial puede ser adecuado para usted" in patient.page("/summary")
    html = patient.page("/request")
    assert re.search(r'value="es"\s+checked', html)  # the call's language starts as the pages' language
    form = patient.request_form()
    form.pop("language")
    form["language"] = "es"
    assert patient.client.post("/request", data=form).headers["Location"] == "/done"
    assert "Su solicitud se envió" in patient.page("/done")
    row = next(
        db.query(
            "SELECT r.language, s.language AS screening_language FROM requests r "
            "JOIN screenings s ON s.id = r.screening_id"
        )
    )
    assert (row["language"], row["screening_language"]) == ("es", "es")
    messages = list(db.query("SELECT kind, subject, body FROM outbox"))
    confirmation = next(m for m in messages if m["kind"] == "patient_confirmation")
    front_desk = next(m for m in messages if m["kind"] == "new_request")
    assert "Gracias por su solicitud" in confirmation["body"] and "recibimos" not in front_desk["subject"]
    assert "A new consultation request has arrived" in front_desk["body"]  # staff read English


def test_both_patient_emails_in_spanish_have_no_english_sentence(app, db):
    bodies = {}
    for language in ("es", "en"):
        patient = Patient(app.test_client())
        patient.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        patient.complete(LIKELY)
        html = patient.page("/save-for-later")
        patient.client.post("/save-for-later", data={"csrf_token": csrf_token(html), "email": "p@example.com"})
        patient.send_request(email=f"{language}@example.com")
        rows = list(
            db.query("SELECT kind, subject, body FROM outbox WHERE kind != 'new_request' ORDER BY id DESC LIMIT 2")
        )
        bodies[language] = {row["kind"]: row["subject"] + "\n" + row["body"] for row in rows}
    for kind in ("patient_confirmation", "resume_link"):
        es, en = bodies["es"][kind], bodies["en"][kind]
        same = set(es.splitlines()) & set(en.splitlines())
        assert not [line for line in same if line.strip() and not re.search(r"https?://|^\W*[A-Z0-9-]+\W*$", line)]
        assert not [m for m in english_msgids() if "%" not in m and "{" not in m and m in es], kind


def test_dates_times_and_the_call_back_promise_in_spanish(app, spanish):
    spanish.complete(LIKELY)
    html = spanish.client.get("/summary").get_data(as_text=True)
    promise = re.search(r"le llamaremos (.+?) para buscar una hora", html).group(1)
    assert "a más tardar a la" in promise and " by " not in promise
    landing = spanish.client.get("/").get_data(as_text=True)
    assert "Abierto de lunes a domingo, de 12 de la noche a 11:59" in landing


def test_the_fhir_questionnaire_carries_spanish_and_validates(client):
    resource = client.get("/questionnaire.json").json
    Questionnaire.model_validate(resource)
    age = resource["item"][0]["item"][0]
    extension = age["_text"]["extension"][0]
    assert extension["url"] == "http://hl7.org/fhir/StructureDefinition/translation"
    assert {e["url"]: list(e.values())[1] for e in extension["extension"]} == {
        "lang": "es",
        "content": "¿Cuántos años tiene?",
    }
    assert resource["_title"]["extension"][0]["extension"][1]["valueString"].startswith("Evaluación")
    displays = [o["valueCoding"].get("_display") for o in age["answerOption"]]
    assert all(displays)
    old = client.get("/questionnaire.json?version=1.0.0").json  # an earlier version: as released
    Questionnaire.model_validate(old)
    assert "_text" not in json.dumps(old)


def test_staff_pages_stay_in_english_for_a_spanish_browser(app, auth, client):
    auth.login("front_desk")
    html = client.get("/staff/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Español" not in html


def assert_same_page_translated(es: str, en: str, where: str) -> None:
    assert '<html lang="es">' in es and '<html lang="en">' in en, where
    assert "Project-Id-Version" not in es, where
    assert not untranslated(es, en), (where, untranslated(es, en))


def post_in(client, language, url, data=None, token_from="/"):
    html = client.get(token_from, headers={"Accept-Language": language}).get_data(as_text=True)
    return client.post(
        url, data={"csrf_token": csrf_token(html), **(data or {})}, headers={"Accept-Language": language}
    )


def test_the_pages_that_answer_a_post_are_in_spanish_too(app, spanish, monkeypatch):
    client = spanish.client
    spanish.complete(LIKELY)
    # The finish-later confirmation (shown once per post).
    pages = {}
    for language in ("es", "en"):
        post_in(client, language, "/save-for-later", {"email": "p@example.com"}, "/save-for-later")
        pages[language] = client.get("/save-for-later", headers={"Accept-Language": language}).get_data(as_text=True)
    assert "Le estamos enviando un enlace" in pages["es"]
    assert_same_page_translated(pages["es"], pages["en"], "save-for-later sent")
    # A code that cannot be used; a form that timed out; an action not allowed.
    es = client.post(
        "/resume",
        data={"csrf_token": csrf_token(client.get("/resume").get_data(as_text=True)), "code": "WRONG"},
        headers={"Accept-Language": "es"},
    )
    en = client.post(
        "/resume",
        data={"csrf_token": csrf_token(client.get("/resume").get_data(as_text=True)), "code": "WRONG"},
        headers={"Accept-Language": "en"},
    )
    assert es.status_code == en.status_code == 410
    assert_same_page_translated(es.get_data(as_text=True), en.get_data(as_text=True), "resume failed")
    es, en = (client.post("/start-over", headers={"Accept-Language": lang}) for lang in ("es", "en"))
    assert es.status_code == 400 and "Esta página caducó" in es.get_data(as_text=True)
    assert_same_page_translated(es.get_data(as_text=True), en.get_data(as_text=True), "timed out")
    es, en = (client.put("/summary", headers={"Accept-Language": lang}) for lang in ("es", "en"))
    assert_same_page_translated(es.get_data(as_text=True), en.get_data(as_text=True), "405")
    # A step the database could not save: the honest notice, in Spanish.
    import sqlite3

    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("screening.patient.routes.drafts.save", refuse)
    pages = {}
    for language in ("es", "en"):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        response = spanish.answer("peg", {"peg_pain": "7"}, asked="peg_pain peg_enjoyment peg_activity")
        assert response.status_code == 503
        pages[language] = response.get_data(as_text=True)
    assert "No pudimos guardar esta página" in pages["es"]
    assert_same_page_translated(pages["es"], pages["en"], "not saved")


def test_a_browser_that_sent_a_request_earlier_and_the_flash_messages_in_spanish(app, spanish):
    spanish.complete(LIKELY)
    spanish.send_request()
    later = app.test_client()  # the next visit: the draft cookie only
    later.set_cookie("draft", spanish.client.get_cookie("draft").value)
    es, en = both(later, "/sent")
    assert "Se envió una solicitud desde este navegador" in es
    assert_same_page_translated(es, en, "/sent")
    forgotten = post_in(later, "es", "/forget", token_from="/sent")
    assert forgotten.status_code == 303
    assert "Este navegador ya no guarda nada" in later.get("/", headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )


def test_the_general_limit_page_in_spanish(tmp_path):
    from screening import create_app
    from screening.db import init_db

    from .conftest import test_settings

    app = create_app(test_settings(tmp_path, RATELIMIT_ENABLED=True, START_RATE_LIMIT="1 per hour"))
    init_db(app.config["DATABASE"])
    client = app.test_client()
    post_in(client, "es", "/start")
    client.delete_cookie("draft")
    es = post_in(client, "es", "/start")
    en = post_in(client, "en", "/start")
    assert es.status_code == en.status_code == 429
    assert "Demasiados intentos desde esta red" in es.get_data(as_text=True)
    assert_same_page_translated(es.get_data(as_text=True), en.get_data(as_text=True), "429")


def test_the_switch_returns_to_the_same_address_with_its_query(patient):
    patient.complete(LIKELY)
    html = patient.page("/step/pain?change=1")
    assert 'name="next" value="/step/pain?change=1"' in html
    response = switch(patient.client, "es", "/step/pain?change=1")
    assert response.headers["Location"] == "/step/pain?change=1"


def test_pages_stay_readable_when_the_database_cannot_be_read(app, patient, monkeypatch):
    import sqlite3

    patient.start()
    monkeypatch.setattr(
        "screening.patient.drafts.language",
        lambda db, token: (_ for _ in ()).throw(sqlite3.OperationalError("disk I/O error")),
    )
    response = patient.client.get("/about-the-procedure", headers={"Accept-Language": "es"})
    assert response.status_code == 200 and '<html lang="es">' in response.get_data(as_text=True)


def test_the_spanish_definition_keeps_its_shape_and_empty_words_empty():
    from screening import i18n

    english, spanish = questionnaire.current(), i18n.definition(language="es")
    assert spanish.step_ids == english.step_ids
    for link_id, item in english.items.items():
        translated = spanish.items[link_id]
        assert translated.codes == item.codes and translated.shown_when == item.shown_when
        assert bool(translated.help) == bool(item.help) and bool(translated.required_message) == bool(
            item.required_message
        )
        assert [o.clinical_label for o in translated.options] == [o.clinical_label for o in item.options]
        assert translated.clinical == item.clinical  # staff's words stay English
    assert spanish.items["age_band"].help == ""


def test_the_switch_keeps_request_details_typed_but_not_sent_and_only_the_forms_own_fields(patient, db):
    patient.complete(LIKELY)
    patient.page("/request")
    typed = {
        "full_name": "Rosa Ejemplo",
        "phone": "(202) 555-0143",
        "language": "en",
        "interpreter": "yes",
        "date_of_birth-month": "7",
        "smuggled": "x" * 50,
    }
    assert switch(patient.client, "es", "/request", **typed).headers["Location"] == "/request"
    html = patient.page("/request")
    assert 'value="Rosa Ejemplo"' in html and re.search(r'value="en"\s+checked', html)  # the call: English
    assert re.search(r'value="yes"\s+checked', html) and 'value="7"' in html
    assert "Hay un problema" not in html  # nothing judged before Send
    kept = json.loads(next(db.query("SELECT pending_form FROM drafts"))["pending_form"])
    assert "smuggled" not in {name for name, _ in kept["fields"]}
    assert db["requests"].count == 0  # nothing sent


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("es-MX,es;q=0.9", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("fr-FR,fr;q=0.9", "en"),
        ("", "en"),
        ("fr;q=0.9,es;q=0.5", "es"),
    ],
)
def test_the_language_comes_from_the_browser_until_the_patient_chooses(client, accept, lang):
    html = client.get("/", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html


@pytest.fixture
def diary_block(app, client, auth, db, make_request, monkeypatch):
    """A block recorded by a physician for a patient who asked to be called in Spanish; the clock at NOW."""
    from screening import clock

    from .test_diary import NOW, block_row, code_of, record

    monkeypatch.setattr(clock, "now", lambda: NOW)
    request_row = make_request(language="es")
    auth.login("physician")
    assert record(client, request_row["reference"]).status_code == 303
    return {"row": block_row(db), "code": code_of(block_row(db)), "reference": request_row["reference"]}


def test_every_diary_page_in_spanish_has_no_english_sentence(app, diary_block, monkeypatch):
    from screening import clock

    from .test_diary import NOW, DiaryPatient

    patient = DiaryPatient(app)
    client = patient.client
    assert "Su diario después de la inyección" in assert_spanish(client, "/diary/")
    es, en = (post_in(client, lang, "/diary/open", {"code": "WRONG-CODE"}, "/diary/") for lang in ("es", "en"))
    assert es.status_code == en.status_code == 400
    assert "Este código no abre ningún diario" in es.get_data(as_text=True)
    assert_same_page_translated(es.get_data(as_text=True), en.get_data(as_text=True), "code refused")
    es, en = (post_in(client, lang, "/diary/baseline", {"pain": "7"}, "/diary/") for lang in ("es", "en"))
    assert es.status_code == en.status_code == 403  # no diary opened in this browser: the closed page
    assert_same_page_translated(es.get_data(as_text=True), en.get_data(as_text=True), "closed")

    assert patient.open(diary_block["code"]).status_code == 303
    assert "Primero: su dolor de siempre" in assert_spanish(client, "/diary/")
    es, en = (post_in(client, lang, "/diary/baseline", {}, "/diary/") for lang in ("es", "en"))
    assert es.status_code == en.status_code == 400
    assert "Elija un número del 0 al 10 para su dolor de siempre" in es.get_data(as_text=True)
    assert_same_page_translated(es.get_data(as_text=True), en.get_data(as_text=True), "baseline refused")
    # Saved, with its flash message; then the first entry, its errors, a correction, the pain's return.
    assert post_in(client, "es", "/diary/baseline", {"pain": "8"}, "/diary/").status_code == 303
    saved = client.get("/diary/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Guardado: su dolor de siempre antes de la inyección." in saved
    assert not untranslated(saved, client.get("/diary/", headers={"Accept-Language": "en"}).get_data(as_text=True))
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(minutes=10))  # injected 5 minutes before NOW
    page = assert_spanish(client, "/diary/")
    assert "Su anotación de 15 minutos después de la inyección" in page and "el peor dolor" in page
    es, en = (post_in(client, lang, "/diary/entry", {"slot": "15"}, "/diary/") for lang in ("es", "en"))
    assert es.status_code == en.status_code == 400
    assert "Díganos si intentó hacer la actividad" in es.get_data(as_text=True)
    assert_same_page_translated(es.get_data(as_text=True), en.get_data(as_text=True), "entry refused")
    entry = {"slot": "15", "pain": "2", "tried": "yes", "medicine": "no"}
    assert post_in(client, "es", "/diary/entry", entry, "/diary/").status_code == 303
    saved = client.get("/diary/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Guardado: su anotación de 15 minutos después de la inyección." in saved
    assert "Próxima anotación: 30 minutos después de la inyección" in saved and "2 de 10" in saved
    assert "Corrija su anotación de 15 minutos" in assert_spanish(client, "/diary/?correct=15")
    for answer in ("2", "not_yet"):
        assert post_in(client, "es", "/diary/return", {"returned": answer}, "/diary/").status_code == 303
        assert "Guardado: cuándo le volvió el dolor de siempre." in client.get(
            "/diary/", headers={"Accept-Language": "es"}
        ).get_data(as_text=True)
    assert "Usted nos dijo: No, todavía no." in assert_spanish(client, "/diary/")
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=7))  # the last entry is late; the rest missed
    assert "Esta anotación tocaba el" in assert_spanish(client, "/diary/")
    last = {**entry, "slot": "360"}
    assert post_in(client, "es", "/diary/entry", last, "/diary/").status_code == 303
    page = assert_spanish(client, "/diary/")
    assert "Todas las anotaciones programadas están hechas o ya pasaron" in page and "sin anotar" in page
    flashed = post_in(client, "es", "/diary/entry", entry, "/diary/")  # an entry no longer open
    assert flashed.status_code == 303
    assert "Esa anotación no se puede hacer ahora" in client.get("/diary/", headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )


def test_the_diary_switch_keeps_every_entry_and_html_lang_follows(app, diary_block):
    from .test_diary import DiaryPatient

    patient = DiaryPatient(app)
    assert patient.open(diary_block["code"]).status_code == 303
    assert patient.baseline(6).status_code == 303
    assert switch(patient.client, "es", "/diary/").headers["Location"] == "/diary/"
    html = patient.page()  # an English browser: the choice holds
    assert '<html lang="es">' in html and "Dolor de siempre antes:</strong> 6 de 10" in html
    assert switch(patient.client, "en", "/diary/").headers["Location"] == "/diary/"
    html = patient.page()
    assert '<html lang="en">' in html and "Usual pain before:</strong> 6 out of 10" in html


def test_the_diary_link_email_is_in_the_language_the_patient_asked_for(app, client, db, diary_block, make_request):
    from .test_diary import block_row, record

    english_request = make_request(language="en")
    assert record(client, english_request["reference"]).status_code == 303
    bodies, sheets = {}, {}
    for language, row in (("es", diary_block["row"]), ("en", block_row(db))):
        html = client.get(f"/staff/blocks/{row['id']}/sheet").get_data(as_text=True)
        sheets[language] = html
        assert client.post(f"/staff/blocks/{row['id']}/email", data={"csrf_token": csrf_token(html)}).status_code == 303
        message = next(db.query("SELECT subject, body FROM outbox WHERE kind = 'diary_link' ORDER BY id DESC"))
        bodies[language] = message["subject"] + "\n" + message["body"]
    es, en = bodies["es"], bodies["en"]
    assert "el enlace de su diario" in es and "Ábralo en su teléfono" in es and "your diary link" in en
    same = set(es.splitlines()) & set(en.splitlines())
    assert not [
        line
        for line in same
        if line.strip() and not re.search(r"https?://|\[\[diary-code:", line) and not SAME_IN_BOTH.match(line)
    ]
    assert not [m for m in english_msgids() if "%" not in m and "{" not in m and m in es]
    # The staff page it was sent from stays English.
    episode = client.get(f"/staff/requests/{diary_block['reference']}/diary").get_data(as_text=True)
    assert '<html lang="en">' in episode and "The diary link will be emailed to the patient." in episode
    # The printed sheet: the part the patient keeps in their language, the staff's line and page in English.
    es, en = sheets["es"], sheets["en"]
    assert '<html lang="en">' in es and "Print this page (Ctrl+P)" in es and "It is in Spanish" in es
    patient_part = es.split('<div lang="es">')[1]
    assert "Su diario del dolor después de la inyección" in patient_part and "15 minutos después" in patient_part
    english_part = en.split('<div lang="en">')[1].split("</main>")[0]
    assert not [t for t in untranslated(patient_part.split("</main>")[0], english_part) if "://" not in t]
    assert "Your pain diary after the injection" in en and "It is in Spanish" not in en


def test_every_patient_word_the_code_asks_for_is_in_the_catalog(tmp_path):
    """What `make translations` extracts from the code now (babel.cfg) is all in the Spanish catalog: a word the
    extraction cannot see (inside an f-string, say) would be dropped by the next update and shown in English."""
    import subprocess  # nosec B404  (our own tool, fixed arguments)
    import sys

    from .journeys import ROOT

    extracted = tmp_path / "messages.pot"
    subprocess.run(  # nosec B603
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_", "-k", "_l"]
        + ["--omit-header", "-o", str(extracted), "."],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        check=True,
        capture_output=True,
        timeout=120,
    )
    with extracted.open("rb") as pot, PO.open("rb") as po:
        wanted = {m.id for m in read_po(pot) if m.id}
        spanish = {m.id for m in read_po(po) if m.id and m.string}
    assert not wanted - spanish, sorted(wanted - spanish)
    assert "or" in wanted  # the word between a question's answers and "None of these"
