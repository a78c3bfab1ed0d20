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


def test_the_switch_keeps_what_was_typed_and_the_urgent_page_is_spanish(
    context_factory, live_server, assert_accessible
):
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


def test_a_spanish_speaker_keeps_the_pain_diary_in_spanish_on_a_phone(
    context_factory, live_server, password_hashes, assert_accessible, monkeypatch
):
    from datetime import timedelta

    from screening import clock

    from ..conftest import PASSWORDS
    from .test_diary_browser import START, make_request
    from .test_staff_browser import add_account, sign_in

    now = {"at": START}
    monkeypatch.setattr(clock, "now", lambda: now["at"])
    monkeypatch.setitem(live_server.app.config, "PUBLIC_BASE_URL", live_server.url)
    reference = make_request(live_server, "Rosa Diario")
    add_account(live_server, password_hashes, "physician", "doc_diario")
    doctor = context_factory().new_page()
    sign_in(doctor, live_server, "doc_diario", PASSWORDS["physician"])
    doctor.goto(f"{live_server.url}/staff/requests/{reference}/blocks/new")
    doctor.get_by_label("Time of the injection").fill("09:55")
    doctor.get_by_label("Date of the injection").fill("2026-06-10")
    doctor.get_by_label("L4-5").check()
    doctor.get_by_label("Both sides").check()
    doctor.get_by_label("Lidocaine").check()
    doctor.get_by_label("None", exact=True).check()
    doctor.get_by_role("button", name="Record the block").click()
    doctor.get_by_role("link", name="Print the diary sheet").click()
    link = doctor.locator("[data-diary-link]").inner_text().strip()

    page = context_factory(**PHONE).new_page()  # a Spanish phone at 360 px; the link's script opens the diary
    page.goto(link)
    page.get_by_role("heading", name="Su diario del dolor").wait_for()
    spanish_page(page, assert_accessible)
    page.get_by_role("button", name="Guardar mi dolor de siempre").click()  # nothing chosen: the error in Spanish
    assert page.get_by_role("heading", name="Hay un problema").is_visible()
    spanish_page(page, assert_accessible)
    page.locator("label[for=pain-7]").click()
    # A choice not yet saved survives the language switch, there and back.
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#pain-7").is_checked()
    page.get_by_role("button", name="Español").click()
    assert page.locator("#pain-7").is_checked()
    page.get_by_role("button", name="Guardar mi dolor de siempre").click()
    assert "Próxima anotación: 15 minutos después de la inyección" in page.inner_text("main")
    now["at"] = START + timedelta(minutes=10)
    page.reload()
    spanish_page(page, assert_accessible)
    page.locator("label[for=pain-2]").click()
    page.locator("label[for=tried-0]").click()
    page.locator("label[for=medicine-1]").click()
    page.get_by_role("button", name="Guardar esta anotación").click()
    assert "Guardado: su anotación de 15 minutos" in page.inner_text("main")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"]
    spanish_page(page, assert_accessible)
    # The switch on a diary page: English and back, every entry still there.
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Usual pain before: 7 out of 10" in page.inner_text("main")
    page.get_by_role("button", name="Español").click()
    spanish_page(page, assert_accessible)
    main = page.inner_text("main")
    assert "Dolor de siempre antes: 7 de 10" in main and "2 de 10" in main
