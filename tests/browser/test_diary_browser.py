"""The pain diary in Chromium: a physician records a block and prints the sheet, whose QR code opens the diary on a
360 px phone with large text; the patient keeps it as the (injected) clock moves; forged and expired codes are
refused; the physician sees the chart with its text alternative. axe on every page."""

import io
from datetime import timedelta

import zxingcpp
from PIL import Image

from screening import clock
from screening.db import connect

from ..conftest import PASSWORDS, request_details
from .test_layout_browser import LARGE_TEXT_PX, PHONE, WIDER_THAN_VIEWPORT
from .test_physician_browser import pdf_pages
from .test_staff_browser import add_account, sign_in

START = clock.parse("2026-06-10T14:00:00+00:00")  # 10 a.m. at the clinic


def make_request(live_server, name):
    from screening.assessment import assess
    from screening.patient import drafts, submissions

    from ..answers import LIKELY

    with live_server.app.app_context():
        from screening.db import get_db

        details = request_details(name, "+12025550188", email="diary@example.com")
        reference, _ = submissions.submit_request(
            get_db(), drafts.new_token(), assess(LIKELY), details, lambda now: now + timedelta(hours=24)
        )
    return reference


def decode_qr(element) -> str:
    image = Image.open(io.BytesIO(element.screenshot()))
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, "one QR code, readable"
    return found[0].text


def test_a_block_its_sheet_the_diary_on_a_phone_and_the_result(
    context_factory, live_server, password_hashes, assert_accessible, artifacts, monkeypatch
):
    now = {"at": START}
    monkeypatch.setattr(clock, "now", lambda: now["at"])
    monkeypatch.setitem(live_server.app.config, "PUBLIC_BASE_URL", live_server.url)
    reference = make_request(live_server, "Quinn Diary")
    add_account(live_server, password_hashes, "physician", "doc_diary")

    doctor = context_factory().new_page()
    sign_in(doctor, live_server, "doc_diary", PASSWORDS["physician"])
    doctor.goto(f"{live_server.url}/staff/requests/{reference}")
    doctor.get_by_role("link", name="Record a block").click()
    doctor.get_by_role("link", name="Record a block").click()
    assert_accessible(doctor)
    doctor.get_by_label("Time of the injection").fill("09:55")
    doctor.get_by_label("Date of the injection").fill("2026-06-10")
    doctor.get_by_label("L4-5").check()
    doctor.get_by_label("L5-S1").check()
    doctor.get_by_label("Both sides").check()
    doctor.get_by_label("Lidocaine").check()
    doctor.get_by_label("None", exact=True).check()
    doctor.get_by_role("button", name="Record the block").click()
    assert "Block 1 recorded" in doctor.inner_text("main")
    assert_accessible(doctor)

    doctor.get_by_role("link", name="Print the diary sheet").click()
    link = doctor.locator("[data-diary-link]").inner_text().strip()
    assert link.startswith(f"{live_server.url}/diary/#")
    assert decode_qr(doctor.locator("[data-diary-qr] svg")) == link
    assert "Quinn" not in doctor.inner_text("main")
    assert_accessible(doctor)
    doctor.emulate_media(media="print")
    sheet = doctor.pdf(format="Letter")
    (artifacts / "diary-sheet.pdf").write_bytes(sheet)
    assert pdf_pages(sheet) == 1  # one page to hand over
    doctor.emulate_media(media="screen")

    # The patient's phone: 360 px, text at 200%; the QR code's link opens the diary (its script sends the code).
    context = context_factory(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    context.new_cdp_session(phone).send("Page.setFontSizes", {"fontSizes": {"standard": LARGE_TEXT_PX}})

    def fits(page):
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner == PHONE["width"], (page.url, width, page.evaluate(WIDER_THAN_VIEWPORT, PHONE["width"]))

    phone.goto(link)
    phone.get_by_role("heading", name="Your pain diary").wait_for()
    assert "#" not in phone.url and "Quinn" not in phone.inner_text("body")
    fits(phone)
    assert_accessible(phone)
    phone.locator("label[for=pain-7]").click()
    phone.get_by_role("button", name="Save my usual pain").click()
    assert "Next entry: 15 minutes after the injection" in phone.inner_text("main")

    for minutes_after, pain in ((15, 1), (30, 1), (60, 2)):
        now["at"] = START + timedelta(minutes=minutes_after - 5)
        phone.reload()
        phone.locator(f"label[for=pain-{pain}]").click()
        phone.locator("label[for=tried-0]").click()
        phone.locator("label[for=medicine-1]").click()
        phone.get_by_role("button", name="Save this entry").click()
        assert "Saved: your entry" in phone.inner_text("main")
    fits(phone)
    assert_accessible(phone)
    # A late entry: the 2-hour entry made at 2 h 40 min, with its real time.
    now["at"] = START + timedelta(minutes=155)
    phone.reload()
    assert "This entry was due" in phone.inner_text("main")
    phone.locator("label[for=pain-5]").click()
    phone.locator("label[for=tried-0]").click()
    phone.locator("label[for=medicine-1]").click()
    phone.get_by_role("button", name="Save this entry").click()
    phone.screenshot(path=str(artifacts / "diary-phone.png"), full_page=False)

    # A forged code is refused with the reason next to the field.
    other = context_factory(viewport=PHONE).new_page()
    other.goto(f"{live_server.url}/diary/")
    code = link.split("#")[1]
    other.get_by_label("Your diary code").fill(code[:-1] + ("A" if code[-1] != "A" else "B"))
    other.get_by_role("button", name="Open my diary").click()
    assert "This code does not open a diary" in other.inner_text("main")
    assert_accessible(other)
    # Without JavaScript the patient types the code from the sheet.
    plain = context_factory(viewport=PHONE, java_script_enabled=False).new_page()
    plain.goto(f"{live_server.url}/diary/")
    plain.get_by_label("Your diary code").fill(code)
    plain.get_by_role("button", name="Open my diary").click()
    assert plain.get_by_role("heading", name="Your pain diary").is_visible()  # the real code, typed, works

    # The physician: result, chart with its text alternative, the numbers in a table.
    doctor = context_factory().new_page()  # hours later: a new sign-in
    sign_in(doctor, live_server, "doc_diary", PASSWORDS["physician"])
    doctor.goto(f"{live_server.url}/staff/requests/{reference}/diary")
    chart = doctor.locator("svg.relief-svg")
    assert chart.get_attribute("role") == "img"
    labelled = chart.get_attribute("aria-labelledby").split()
    assert "Peak relief 86%" in doctor.locator(f"#{labelled[1]}").text_content()
    assert doctor.locator("[data-block-result]").first.get_attribute("data-block-result") == "positive"
    assert doctor.get_by_role("table", name="Relief at each entry").locator("tbody tr").count() == 4
    assert_accessible(doctor)
    doctor.screenshot(path=str(artifacts / "diary-episode.png"), full_page=True)

    # 48 hours after the injection the code opens nothing, on the phone that had it open too.
    now["at"] = START + timedelta(hours=48)
    phone.reload()
    assert phone.get_by_label("Your diary code").is_visible()
    plain.goto(f"{live_server.url}/diary/")
    plain.get_by_label("Your diary code").fill(code)
    plain.get_by_role("button", name="Open my diary").click()
    assert "This code does not open a diary" in plain.inner_text("main")
    db = connect(live_server.app.config["DATABASE"])
    entries = db.execute(
        "SELECT count(*) FROM diary_entries e JOIN blocks b ON b.id = e.block_id "
        "JOIN requests r ON r.id = b.request_id WHERE r.reference = ?",
        [reference],
    ).fetchone()[0]
    assert entries == 5  # this patient's (other tests share the server)
    db.close()
