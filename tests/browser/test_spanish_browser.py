"""A Spanish-speaking patient on a phone: the whole path in Spanish, axe-clean, with lang="es" on every page."""
import re

from screening import questionnaire
from screening.db import connect

from ..answers import LIKELY, URGENT
from .test_patient_browser import fill_step

q = questionnaire.current()
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "es-US"}


def spanish_page(page, assert_accessible):
    assert page.locator("html").get_attribute("lang") == "es", page.url
    assert_accessible(page)


def test_a_spanish_speaker_completes_the_whole_path_in_spanish(context_factory, live_server, assert_accessible):
    page = context_factory(**PHONE).new_page()
    page.goto(live_server.url + "/")
    spanish_page(page, assert_accessible)
    page.get_by_role("button", name="Empezar la evaluación").click()
    for step in q.steps_that_apply(LIKELY):
        assert page.url.endswith(f"/step/{step.id}"), page.url
        spanish_page(page, assert_accessible)
        fill_step(page, step, LIKELY)
        page.get_by_role("button", name="Continuar").click()
        page.wait_for_load_state()
    assert page.url.endswith("/summary")
    spanish_page(page, assert_accessible)
    assert page.get_by_role("heading", name="Resumen de su evaluación").is_visible()
    page.get_by_role("link", name="Pedir una consulta").first.click()
    spanish_page(page, assert_accessible)
    page.get_by_role("button", name="Enviar mi solicitud").click()  # empty: errors in Spanish
    assert page.get_by_role("heading", name="Hay un problema").is_visible()
    spanish_page(page, assert_accessible)
    page.get_by_label("Nombre completo").fill("Rosa Ejemplo")
    # Switching language and back keeps what was typed but not yet sent.
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#full_name").input_value() == "Rosa Ejemplo"
    page.get_by_role("button", name="Español").click()
    assert page.locator("#full_name").input_value() == "Rosa Ejemplo"
    page.get_by_label("Número de teléfono").fill("202 555 0143")
    page.get_by_label("Mes", exact=True).fill("7")
    page.get_by_label("Día", exact=True).fill("4")
    page.get_by_label("Año", exact=True).fill("1961")
    page.locator("input[name='preferred_contact'][value='phone']").check()
    page.locator("input[name='best_time'][value='morning']").check()
    page.locator("input[name='voicemail_ok'][value='yes']").check()
    assert page.locator("input[name='language'][value='es']").is_checked()  # the pages' language, chosen
    page.locator("input[name='interpreter'][value='no']").check()
    page.locator("input[name='location'][value='Northside']").check()
    page.locator("input[name='patient_status'][value='new']").check()
    page.locator("#consent").check()
    page.get_by_role("button", name="Enviar mi solicitud").click()
    assert page.url.endswith("/done")
    spanish_page(page, assert_accessible)
    assert page.get_by_role("heading", name="Su solicitud se envió").is_visible()
    db = connect(live_server.app.config["DATABASE"])
    try:
        row = next(db.query("SELECT language FROM requests WHERE full_name = 'Rosa Ejemplo'"))
    finally:
        db.close()
    assert row["language"] == "es"


def test_the_switch_keeps_what_was_typed_and_the_urgent_page_is_spanish(context_factory, live_server,
                                                                       assert_accessible):
    page = context_factory(**{**PHONE, "locale": "en-US"}).new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start the screening").click()
    fill_step(page, q.steps_by_id["age"], URGENT)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    page.locator("label[for='red_flags-0']").click()  # chosen, not yet sent
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    assert page.url.endswith("/step/urgent")
    spanish_page(page, assert_accessible)
    assert page.locator("#red_flags-0").is_checked()
    page.get_by_role("button", name="Continuar").click()
    assert page.url.endswith("/get-care-now")
    spanish_page(page, assert_accessible)
    assert re.search("Busque atención de emergencia", page.locator("h1").inner_text())
