"""A physician reads an intake in Chromium, signs it off, and it prints on two pages."""

import re

from ..answers import EVERY_FLAG
from ..conftest import PASSWORDS
from .test_patient_browser import send_request_as_patient
from .test_staff_browser import add_account, sign_in


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_physician_reads_the_intake_marks_it_reviewed_and_prints_it(
    context_factory, live_server, password_hashes, assert_accessible, artifacts
):
    reference = send_request_as_patient(context_factory, live_server, EVERY_FLAG, "Morgan Intake")

    add_account(live_server, password_hashes, "physician", "doc_browser")
    page = context_factory().new_page()
    sign_in(page, live_server, "doc_browser", PASSWORDS["physician"])
    page.get_by_text("Filters", exact=True).click()  # folded away
    page.get_by_label("Not yet reviewed").check()
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Morgan Intake").click()  # straight to the intake
    assert reference in page.inner_text("main")

    panel = page.locator(".safety-panel")
    for text in (
        "EMERGENCY red flag",
        "Saddle anaesthesia",
        "Warfarin",
        "Brilique",
        "Allergy: iodinated contrast",
        "Pregnancy status uncertain",
        "Pacemaker",
        "Opioids on most days",
        "Cannot lie prone",
        "Latex allergy",
    ):
        assert text in panel.inner_text(), text
    assert_accessible(page)

    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "intake-print.png"), full_page=True)
    letter = page.pdf(format="Letter", print_background=False)
    a4 = page.pdf(format="A4", print_background=False)
    (artifacts / "intake.pdf").write_bytes(letter)
    page.emulate_media(media="screen")
    assert pdf_pages(letter) <= 2 and pdf_pages(a4) <= 2, (pdf_pages(letter), pdf_pages(a4))

    page.get_by_label("Clinical note (optional)").fill("Needs an anticoagulation plan before booking.")
    page.get_by_role("button", name="Mark reviewed").click()
    assert "Reviewed by Browser physician" in page.inner_text(".review-panel")
    assert_accessible(page)

    page.goto(live_server.url + "/staff/?review=pending")
    assert page.get_by_role("link", name="Morgan Intake").count() == 0
