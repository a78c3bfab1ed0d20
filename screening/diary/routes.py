"""The diary's pages: staff (record a block, the sheet, the episode, paper entries) and the patient's diary."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_login import current_user
from markupsafe import Markup

from .. import audit, clock, formatting, i18n
from ..auth import roles_required
from ..db import get_db
from ..extensions import limiter
from ..notify import outbox
from ..references import format_reference
from . import assess, chart, codes, fhir_export, forms, patient_bp, staff_bp, store, vocab

CLINICAL = ("front_desk", "physician")
SESSION_KEY = "diary_block"
EARLY = timedelta(minutes=5)  # an entry may be made a little before its time (a phone's clock may run fast)


def _grace() -> timedelta:
    return timedelta(minutes=current_app.config["DIARY_MISSING_AFTER_MINUTES"])


def _request_row(reference: str) -> dict:
    row = next(
        get_db().query("SELECT id, reference, full_name, email FROM requests WHERE reference = ?", [reference]), None
    )
    if row is None:
        abort(404)
    return row


def _block_or_404(block_id: int) -> dict:
    found = store.block(get_db(), block_id)
    if found is None:
        abort(404)
    return found


def _is_physician() -> bool:
    return current_user.role == "physician"


def _block_view(db, block_row: dict, now: datetime) -> dict[str, Any]:
    """A block as the signed-in role may see it: progress for everyone, scores and result for physicians."""
    current = store.diary(db, block_row)
    view = {
        "block": block_row,
        "progress": store.progress(current, now, _grace()),
        "diary": current,
        "labels": {m: forms.slot_label(m) for m in block_row["schedule"]},
        "reviews": store.reviews(db, block_row["id"]),
    }
    if _is_physician():
        result = current.result()
        view.update(result=result, chart=chart.chart(result, max(block_row["schedule"])))
    return view


def diary_section(r: dict) -> Markup | str:
    """The request and intake pages' diary section (template global): blocks recorded, what is missing, and for
    physicians the result and the two-block decision. Empty for roles without access."""
    if not current_user.is_authenticated or current_user.role not in CLINICAL:
        return ""
    db, now = get_db(), clock.now()
    views = [_block_view(db, b, now) for b in store.blocks_for_request(db, r["id"])]
    html = render_template(
        "diary/_request_section.html", r=r, views=views, decision=_decision(views) if _is_physician() else None
    )
    return Markup(html)  # nosec B704 (a rendered template: autoescaped already)


def _decision(views: list[dict]) -> dict[str, Any]:
    blocks = {v["block"]["block_number"]: v["diary"].summary_block() for v in views}
    first, second = blocks.get(1), blocks.get(2)
    agreement = assess.durations_agree(first, second) if first and second else (None, "")
    return {"message": assess.episode(first, second), "agreement": agreement}


# Staff


@staff_bp.get("/diaries")
@roles_required(*CLINICAL)
def diaries() -> ResponseReturnValue:
    db, now = get_db(), clock.now()
    review = store.to_review(db, now) if _is_physician() else []
    missing = store.missing_entries(db, now, _grace())
    audit.record("view_diaries", to_review=len(review), missing=len(missing))
    return render_template(
        "diary/diaries.html", review=review, missing=missing, label=forms.slot_label, format_reference=format_reference
    )


@staff_bp.get("/requests/<reference>/diary")
@roles_required(*CLINICAL)
def episode(reference: str) -> ResponseReturnValue:
    row = _request_row(reference)
    db, now = get_db(), clock.now()
    views = [_block_view(db, b, now) for b in store.blocks_for_request(db, row["id"])]
    audit.record("view_diary", "request", row["reference"])
    return render_template(
        "diary/episode.html",
        r=row,
        views=views,
        reference=format_reference(row["reference"]),
        decision=_decision(views) if _is_physician() else None,
        vocab=vocab,
    )


def _block_form(formdata=None):
    db = get_db()
    form = forms.BlockForm(formdata, physicians=store.physicians(db))
    if _is_physician() and not form.physician.data:
        form.physician.data = str(current_user.id)
    return form


@staff_bp.route("/requests/<reference>/blocks/new", methods=["GET", "POST"])
@roles_required(*CLINICAL)
def record_block(reference: str) -> ResponseReturnValue:
    row = _request_row(reference)
    db = get_db()
    taken = {b["block_number"] for b in store.blocks_for_request(db, row["id"])}
    form = _block_form(request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.block_number.data = "2" if 1 in taken else "1"
        form.injected_date.data = forms.clinic_day(clock.now())
    elif form.validate():
        number = int(form.block_number.data)
        if number in taken:
            form.block_number.errors = [f"Block {number} is already recorded for this request"]
        elif number == 2 and 1 not in taken:
            form.block_number.errors = ["Record the first block before the second"]
        else:
            medicine = form.medicine.data
            hours = (
                float(form.other_hours.data)
                if medicine == "other"
                else vocab.medicine_hours(current_app.config)[medicine]
            )
            with db.atomic():
                block_id = store.record_block(
                    db,
                    request_id=row["id"],
                    block_number=number,
                    injected_at=form.injected_at,
                    levels=[lv for lv in vocab.LEVELS if lv in form.levels.data],
                    side=form.side.data,
                    medicine=medicine,
                    medicine_other=(form.medicine_other.data or "").strip() or None if medicine == "other" else None,
                    expected_hours=hours,
                    sedation=form.sedation.data,
                    schedule=vocab.schedule(current_app.config),
                    physician_id=int(form.physician.data),
                    recorded_by=current_user.id,
                    link_hours=current_app.config["DIARY_LINK_HOURS"],
                    secret=current_app.config["SECRET_KEY"],
                )
                audit.record("block_recorded", "block", block_id, request=row["reference"], number=number)
            flash(f"Block {number} recorded. Print the diary sheet for the patient, or email the link.")
            return redirect(url_for("diary_staff.episode", reference=row["reference"]), 303)
    return render_template(
        "diary/record_block.html",
        r=row,
        form=form,
        reference=format_reference(row["reference"]),
        medicine_hours=", ".join(
            f"{vocab.MEDICINES[m].lower()} {h:g}" for m, h in vocab.medicine_hours(current_app.config).items()
        ),
    ), 400 if form.errors else 200


def _link(code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{url_for('diary.diary_page')}#{codes.formatted(code)}"


def _patient_language(block_row: dict) -> str:
    """The language the patient asked to be called in (their request), for what staff hand or send them."""
    return block_row["language"] if block_row["language"] in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


@staff_bp.get("/blocks/<int:block_id>/sheet")
@roles_required(*CLINICAL)
def sheet(block_id: int) -> ResponseReturnValue:
    import segno  # only this page draws a QR code: imported on its first print, not at start-up (issue 15)

    block_row = _block_or_404(block_id)
    code = codes.code_for(block_row["link_id"], current_app.config["SECRET_KEY"])
    link = _link(code)
    audit.record("print_diary_sheet", "block", block_id)
    language = _patient_language(block_row)
    with force_locale(language):  # the part the patient keeps: in their language; the staff's line stays English
        svg = io.BytesIO()
        segno.make(link, error="m").save(
            svg,
            kind="svg",
            scale=4,
            border=4,
            xmldecl=False,
            svgclass="qr-code",
            title=str(forms.PATIENT_TEXT["qr_title"]),
            lineclass=None,
        )
        patient_sheet = render_template(
            "diary/_sheet.html",
            block=block_row,
            code=codes.formatted(code),
            link=link,
            page=link.split("#")[0],
            qr=Markup(svg.getvalue().decode()),  # nosec B704 (segno's SVG)
            labels={m: forms.slot_label(m) for m in block_row["schedule"]},
            due=lambda m: formatting.short_time(clock.parse(block_row["injected_at"]) + timedelta(minutes=m)),
        )
    rendered = Markup(patient_sheet)  # nosec B704 (a rendered template: autoescaped already)
    return render_template("diary/sheet.html", block=block_row, sheet_language=language, patient_sheet=rendered)


@staff_bp.post("/blocks/<int:block_id>/email")
@roles_required(*CLINICAL)
def email_link(block_id: int) -> ResponseReturnValue:
    block_row = _block_or_404(block_id)
    if not block_row["email"]:
        flash("This patient gave no email address: print the sheet instead.")
    elif block_row["expires_at"] <= clock.iso(clock.now()):
        flash("This diary has closed: its link would not work.")
    else:
        db = get_db()
        with db.atomic():
            outbox.enqueue_diary_link(
                db,
                outbox.Settings.from_config(current_app.config),
                block_row["request_id"],
                block_row["email"],
                codes.placeholder(block_row["link_id"]),
                block_row["expires_at"],
                language=_patient_language(block_row),
            )
            audit.record("diary_link_emailed", "block", block_id)
        flash("The diary link will be emailed to the patient.")
    return redirect(url_for("diary_staff.episode", reference=block_row["reference"]), 303)


@staff_bp.route("/blocks/<int:block_id>/paper", methods=["GET", "POST"])
@roles_required(*CLINICAL)
def paper_entry(block_id: int) -> ResponseReturnValue:
    block_row = _block_or_404(block_id)
    form = forms.PaperEntryForm(request.form if request.method == "POST" else None, schedule=block_row["schedule"])
    if request.method == "POST" and form.validate():
        db = get_db()
        kind = "baseline" if form.entry.data == "baseline" else "scheduled"
        with db.atomic():
            store.add_entry(
                db,
                block_id,
                kind,
                observed_at=form.observed_at,
                slot=None if kind == "baseline" else int(form.entry.data),
                pain=int(form.pain.data),
                tried_activity=None if kind == "baseline" else form.tried.data == "yes",
                medicine_taken=None if kind == "baseline" else form.medicine.data == "yes",
                entered_by=current_user.id,
            )
            audit.record("diary_paper_entry", "block", block_id, entry=form.entry.data)
        flash("Entry from the paper diary saved, marked as entered by staff.")
        return redirect(url_for("diary_staff.paper_entry", block_id=block_id), 303)
    if request.method == "GET":
        form.observed_date.data = forms.clinic_day(clock.parse(block_row["injected_at"]))
    return render_template(
        "diary/paper.html", block=block_row, form=form, reference=format_reference(block_row["reference"])
    ), 400 if form.errors else 200


@staff_bp.post("/blocks/<int:block_id>/review")
@roles_required("physician")
def review(block_id: int) -> ResponseReturnValue:
    block_row = _block_or_404(block_id)
    db = get_db()
    with db.atomic():
        store.add_review(db, block_id, current_user.id)
        audit.record("diary_reviewed", "block", block_id)
    flash(f"Diary of block {block_row['block_number']} marked as reviewed.")
    return redirect(url_for("diary_staff.episode", reference=block_row["reference"]), 303)


@staff_bp.get("/blocks/<int:block_id>/diary.fhir.json")
@roles_required("physician")
def fhir_bundle(block_id: int) -> ResponseReturnValue:
    block_row = _block_or_404(block_id)
    resource = fhir_export.bundle(current_app.config["FHIR_BASE_URL"], store.diary(get_db(), block_row))
    audit.record("export_diary_fhir", "block", block_id)
    response = jsonify(resource)
    response.mimetype = "application/fhir+json"
    response.headers["Content-Disposition"] = f'attachment; filename="diary-block-{block_id}.json"'
    return response


# The patient: no sign-in, no name; the code opens this one diary while it is valid.


def _open_diary():
    block_id = session.get(SESSION_KEY)
    if block_id is None:
        return None
    found = store.still_open(get_db(), block_id)
    if found is None:
        session.pop(SESSION_KEY, None)
    return found


def _slots(current: store.Diary, now: datetime) -> dict[str, Any]:
    """Where the patient is in the schedule: the entry to make now (if any), and the next one due."""
    started = [m for m in current.block["schedule"] if current.due_at(m) - EARLY <= now]
    now_slot = started[-1] if started and started[-1] not in current.by_slot else None
    upcoming = [m for m in current.block["schedule"] if current.due_at(m) - EARLY > now]
    return {
        "now": now_slot,
        "next": upcoming[0] if upcoming else None,
        "late": now_slot is not None and now > current.due_at(now_slot) + _grace(),
    }


def _render_diary(block_row, entry_form=None, baseline_form=None, return_form=None, correct=None, status=200):
    current = store.diary(get_db(), block_row)
    now = clock.now()
    slots = _slots(current, now)
    target = correct if correct in current.by_slot else slots["now"]
    entry_form = entry_form or forms.EntryForm(formdata=None)
    entry_form.slot.data = str(target) if target is not None else ""
    entry_form.correct.data = "1" if target is not None and target == correct else ""
    return render_template(
        "diary/patient.html",
        diary=current,
        slots=slots,
        target=target,
        correcting=entry_form.correct.data == "1",
        entry_form=entry_form,
        baseline_form=baseline_form or forms.BaselineForm(formdata=None),
        return_form=return_form or forms.ReturnForm(formdata=None),
        label=forms.slot_label,
        return_labels=forms.RETURN_LABELS,
        anchors=forms.PAIN_ANCHORS,
        text=forms.PATIENT_TEXT,
        now_=now,
    ), status


@patient_bp.get("/", endpoint="diary_page")
def diary_page() -> ResponseReturnValue:
    block_row = _open_diary()
    if block_row is None:
        return render_template("diary/open.html", form=forms.CodeForm(formdata=None), text=forms.PATIENT_TEXT)
    correct = request.args.get("correct", type=int)
    return _render_diary(block_row, correct=correct)


@patient_bp.post("/open")
@limiter.limit(lambda: current_app.config["DIARY_CODE_RATE_LIMIT"])
def open_diary() -> ResponseReturnValue:
    form = forms.CodeForm()
    if form.validate():
        block_id = store.open_by_code(get_db(), form.code.data)
        if block_id is not None:
            session[SESSION_KEY] = block_id
            audit.record("diary_opened", "block", block_id)
            return redirect(url_for("diary.diary_page"), 303)
        form.code.errors = [str(forms.PATIENT_TEXT["code_refused"]) % {"hours": current_app.config["DIARY_LINK_HOURS"]}]
    return render_template("diary/open.html", form=form, text=forms.PATIENT_TEXT), 400


def _closed():
    return render_template("diary/closed.html"), 403


@patient_bp.post("/baseline")
def baseline() -> ResponseReturnValue:
    block_row = _open_diary()
    if block_row is None:
        return _closed()
    form = forms.BaselineForm()
    if not form.validate():
        return _render_diary(block_row, baseline_form=form, status=400)
    db = get_db()
    with db.atomic():
        store.add_entry(
            db, block_row["id"], "baseline", observed_at=clock.parse(block_row["injected_at"]), pain=int(form.pain.data)
        )
        audit.record("diary_entry", "block", block_row["id"], kind="baseline")
    flash(str(forms.PATIENT_TEXT["saved_baseline"]))
    return redirect(url_for("diary.diary_page"), 303)


@patient_bp.post("/entry")
def entry() -> ResponseReturnValue:
    block_row = _open_diary()
    if block_row is None:
        return _closed()
    db = get_db()
    current = store.diary(db, block_row)
    slot = request.form.get("slot", type=int)
    correcting = request.form.get("correct") == "1"
    allowed = current.by_slot if correcting else [_slots(current, clock.now())["now"]]
    if slot is None or slot not in allowed:
        flash(str(forms.PATIENT_TEXT["entry_not_open"]))
        return redirect(url_for("diary.diary_page"), 303)
    form = forms.EntryForm()
    if not form.validate():
        return _render_diary(block_row, entry_form=form, correct=slot if correcting else None, status=400)
    observed = clock.parse(current.by_slot[slot]["observed_at"]) if correcting else clock.now()
    with db.atomic():
        store.add_entry(
            db,
            block_row["id"],
            "scheduled",
            slot=slot,
            observed_at=observed,
            pain=int(form.pain.data),
            tried_activity=form.tried.data == "yes",
            medicine_taken=form.medicine.data == "yes",
            correction=correcting,
        )
        audit.record("diary_entry", "block", block_row["id"], kind="scheduled", slot=slot, correction=correcting)
    flash(str(forms.PATIENT_TEXT["saved_entry"]) % {"time": forms.slot_label(slot)})
    return redirect(url_for("diary.diary_page"), 303)


@patient_bp.post("/return")
def pain_returned() -> ResponseReturnValue:
    block_row = _open_diary()
    if block_row is None:
        return _closed()
    form = forms.ReturnForm()
    if not form.validate():
        return _render_diary(block_row, return_form=form, status=400)
    db = get_db()
    with db.atomic():
        store.add_entry(db, block_row["id"], "return", observed_at=clock.now(), returned=form.returned.data)
        audit.record("diary_entry", "block", block_row["id"], kind="return")
    flash(str(forms.PATIENT_TEXT["saved_returned"]))
    return redirect(url_for("diary.diary_page"), 303)
