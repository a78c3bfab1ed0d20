"""Front desk: the queue in call order, a request's page, its calls, status, notes and assignee."""

from __future__ import annotations

from contextlib import closing
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import audit, clock, csv_export, fhir, params
from ..assessment import FLAGS, OUTCOME_LABELS, SOURCES
from ..auth import roles_required
from ..db import connect, get_db
from ..formatting import ClinicTimes
from ..patient.forms import BEST_TIMES
from ..references import format_reference
from . import bp, calls, intake, queue
from .forms import ActionForm, CallForm, NoteForm, ReviewForm, SearchForm, StatusForm

# The search text (names, phone numbers) stays on the server: out of URLs, logs and the session cookie.
# The queue's links carry only the random id of a saved search, so leaving the queue ends it.
CLINICAL = ("front_desk", "physician")
EXPORT_HEADER = ["reference", "name", "phone", "email", "location", "outcome", "flags", "status", "submitted", "due"]


def _filters(strict: bool = False) -> queue.Filters:
    return queue.Filters.from_args(
        get_db(), request.args, current_user.id, strict=strict, phone_region=current_app.config["PHONE_REGION"]
    )


def _bad_input(message: str) -> tuple[str, int]:
    """A 400 page saying what was wrong, instead of quietly answering something else."""
    return render_template(
        "errors/staff_error.html", code=400, title="That request cannot be answered", detail=message
    ), 400


@bp.get("/", endpoint="queue")
@roles_required(*CLINICAL)
def queue_page() -> ResponseReturnValue:
    db = get_db()
    filters = _filters()
    counts = queue.counts_by_status(db, filters.search, filters.phone_region)
    rows, total = queue.page_of_requests(db, filters, counts)
    audit.record("view_queue", page=filters.page, shown=len(rows))
    now = clock.now()
    max_attempts = current_app.config["MAX_CALL_ATTEMPTS"]
    for row in rows:
        row["call_by"] = queue.call_by(row, now)
        row["suggest_closing"] = calls.should_suggest_closing(row["status"], row["attempts"], max_attempts)
    live = queue.live_state(db)
    return render_template(
        "staff/queue.html",
        rows=rows,
        total=total,
        filters=filters,
        pages=max(1, -(-total // queue.PER_PAGE)),
        counts=counts,
        duplicates=queue.duplicates(db, rows),
        live=live,
        updated_at=clock.iso(now),
        poll_seconds=current_app.config["QUEUE_POLL_SECONDS"],
        idle_minutes=current_app.config["STAFF_IDLE_MINUTES"],
        flag_options=[(code, flag.clinical_text) for code, flag in FLAGS.items()],
        location_options=[(name, name) for name in queue.locations(db)],
        search_form=SearchForm(q=filters.search),
        STATUS_NAMES=queue.STATUS_NAMES,
        OUTCOME_LABELS=OUTCOME_LABELS,
        CALL_OUTCOMES=calls.OUTCOMES,
        format_reference=format_reference,
    )


@bp.get("/queue/live.json")
@roles_required(*CLINICAL)
def queue_live() -> ResponseReturnValue:
    """Polled by an open queue page: counts and a version stamp only, no names or health data."""
    return jsonify(queue.live_state(get_db()))


queue_live.passive = True  # a page polling in the background is not someone at work: the idle limit runs on


@bp.post("/search")
@roles_required(*CLINICAL)
def search() -> ResponseReturnValue:
    form = SearchForm()
    keep = {name: request.form[name] for name in queue.Filters.NAMES if request.form.get(name)}
    keep.pop("search_id", None)
    keep.pop("page", None)
    if form.validate_on_submit():
        text = (form.q.data or "").strip()
        db = get_db()
        queue.forget_searches(db, current_user.id)
        if text and request.form.get("action") != "clear":
            keep["search_id"] = queue.save_search(db, current_user.id, text)
    return redirect(url_for("staff.queue", **keep), 303)


@bp.get("/export.csv")
@roles_required(*CLINICAL)
def export() -> ResponseReturnValue:
    try:
        filters = _filters(strict=True)
    except queue.BadFilter as problem:
        return _bad_input(f"The export was not made: {problem}.")
    audit.record(
        "export_queue",
        status=filters.status,
        outcome=filters.outcome,
        flag=filters.flag,
        location=filters.location,
        searched=bool(filters.search),
    )
    clinic_time = ClinicTimes(ZoneInfo(current_app.config["CLINIC_TIMEZONE"]))

    def rows(db):
        for reference, name, phone, email, location, outcome, flags, status, created, due in queue.iter_requests(
            db, filters
        ):
            yield [
                format_reference(reference),
                name,
                phone,
                email,
                location,
                outcome,
                ";".join(flags),
                status,
                clinic_time(created),
                clinic_time(due),
            ]

    # Reference, outcome, flags, status and both times are the app's own text: no formula check for them.
    return _csv_download("requests", EXPORT_HEADER, rows, generated=(0, 5, 6, 7, 8, 9))


def _csv_download(name: str, header: list[str], rows, generated: tuple[int, ...] = ()) -> Response:
    """A streamed CSV attachment; `rows(db)` yields its rows.

    The rows are read on their own connection: the request's one is closed
    before the last row is sent.
    """
    path = current_app.config["DATABASE"]

    def generate():
        with closing(connect(path)) as db:
            yield from csv_export.stream(header, rows(db), generated)

    filename = f"{name}-{clock.now().date().isoformat()}.csv"
    return Response(
        generate(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _load(reference: str) -> dict:
    request_row = queue.get_request(get_db(), reference)
    if request_row is None:
        abort(404)
    return request_row


def _call_form(**kwargs) -> CallForm:
    return CallForm(timezone=current_app.config["CLINIC_TIMEZONE"], **kwargs)


def _render_request(row: dict, status_form=None, call_form=None, note_form=None):
    allowed = queue.TRANSITIONS[row["status"]]
    now = clock.now()
    due_text, overdue = queue.due_text(row, now)
    screening = intake.Screening.of(row)
    db = get_db()
    return render_template(
        "staff/request.html",
        r=row,
        age=clock.age(date.fromisoformat(row["date_of_birth"])),
        BEST_TIMES=BEST_TIMES,
        rules=screening.rules,
        flags=[e for e in screening.safety_panel(row["flags"]) if e.kind != "stop"],
        age_warning=screening.age_warning(row["date_of_birth"], row["screened_at"]),
        events=queue.events(db, row["id"]),
        reviews=intake.reviews(db, row["id"]),
        duplicates=queue.duplicates(db, [row]).get(row["id"], []),
        status_form=status_form or StatusForm(allowed=allowed),
        call_form=call_form or _call_form(),
        note_form=note_form or NoteForm(),
        due_text=due_text,
        overdue=overdue,
        call_by=queue.call_by(row, now),
        reference=format_reference(row["reference"]),
        suggest_closing=calls.should_suggest_closing(
            row["status"], row["attempts"], current_app.config["MAX_CALL_ATTEMPTS"]
        ),
        clinic_timezone=current_app.config["CLINIC_TIMEZONE"],
        OUTCOME_LABELS=OUTCOME_LABELS,
        STATUS_NAMES=queue.STATUS_NAMES,
        METHODS=calls.METHODS,
        RESULTS=calls.RESULTS,
        CALL_OUTCOMES=calls.OUTCOMES,
        format_reference=format_reference,
    )


@bp.get("/requests/<reference>")
@roles_required(*CLINICAL)
def request_page(reference: str) -> ResponseReturnValue:
    row = _load(reference)
    audit.record("view_request", "request", row["reference"])
    return _render_request(row)


def _act(reference: str, make_form, apply, render, next_url=None):
    """Validate a form posted about one request, apply it and audit it in one transaction.

    `apply(db, row, form)` returns (audit action, audit detail, message for the user); on errors
    `render(row, form)` shows the page again with them. Then on to `next_url(row)`, by default the
    request page.
    """
    row = _load(reference)
    form = make_form(row)
    if not form.validate():
        return render(row, form)
    db = get_db()
    with db.atomic():
        action, detail, message = apply(db, row, form)
        audit.record(action, "request", row["reference"], **detail)
    flash(message)
    return redirect(next_url(row) if next_url else url_for("staff.request_page", reference=row["reference"]), 303)


@bp.post("/requests/<reference>/status")
@roles_required(*CLINICAL)
def change_status(reference: str) -> ResponseReturnValue:
    def apply(db, row, form):
        queue.change_status(db, row, current_user.id, form.status.data, form.status_note.data or "")
        return (
            "status_change",
            {"old": row["status"], "new": form.status.data},
            f"Status changed to “{queue.STATUS_NAMES[form.status.data]}”.",
        )

    return _act(
        reference,
        lambda row: StatusForm(allowed=queue.TRANSITIONS[row["status"]]),
        apply,
        lambda row, form: _render_request(row, status_form=form),
    )


@bp.post("/requests/<reference>/calls")
@roles_required(*CLINICAL)
def record_call(reference: str) -> ResponseReturnValue:
    """One call, one action: the attempt, the status it leads to, the call-back time and the note."""

    def apply(db, row, form):
        status = queue.record_call(
            db,
            row,
            current_user.id,
            form.outcome.data,
            form.method.data,
            form.call_back_at,
            (form.call_note.data or "").strip(),
        )
        detail = {"method": form.method.data, "outcome": form.outcome.data, "old": row["status"], "new": status}
        message = f"Call recorded: {calls.OUTCOMES[form.outcome.data].label}. Status: {queue.STATUS_NAMES[status]}."
        return "contact_attempt", detail, message

    return _act(reference, lambda row: _call_form(), apply, lambda row, form: _render_request(row, call_form=form))


@bp.post("/requests/<reference>/notes")
@roles_required(*CLINICAL)
def add_note(reference: str) -> ResponseReturnValue:
    def apply(db, row, form):
        queue.add_note(db, row, current_user.id, form.note.data.strip())
        return "note_added", {}, "Note added."

    return _act(reference, lambda row: NoteForm(), apply, lambda row, form: _render_request(row, note_form=form))


@bp.post("/requests/<reference>/notes/entered-in-error")
@roles_required(*CLINICAL)
def strike_note(reference: str) -> ResponseReturnValue:
    """Mark one of the request's notes (the form's `event`) as entered in error."""
    event_id = params.whole_number(request.form.get("event"))

    def apply(db, row, form):
        if event_id is None or not queue.strike_note(db, row, current_user.id, event_id):
            abort(404)
        return "note_struck", {"event": event_id}, "Note marked as entered in error."

    return _act(reference, lambda row: ActionForm(), apply, lambda row, form: abort(400))


@bp.post("/requests/<reference>/assign")
@roles_required(*CLINICAL)
def assign(reference: str) -> ResponseReturnValue:
    """Take a request ("Assign to me"), or give it back when it is already yours."""

    def apply(db, row, form):
        mine = row["assigned_to"] == current_user.id
        queue.assign(db, row, None if mine else current_user.id)
        return (
            "assign",
            {"to": None if mine else current_user.id},
            "Given back: no one is assigned." if mine else "Assigned to you.",
        )

    def back_to_the_queue(row):  # from a queue row: the same queue page, every filter kept
        return url_for("staff.queue", **queue.Filters.from_args(get_db(), request.form, current_user.id).as_args())

    return _act(
        reference,
        lambda row: ActionForm(),
        apply,
        lambda row, form: abort(400),
        back_to_the_queue if request.form.get("back") == "queue" else None,
    )


# The physician's intake, review and standard exports


@bp.get("/requests/<reference>/intake")
@roles_required("physician")
def intake_page(reference: str) -> ResponseReturnValue:
    row = _load(reference)
    audit.record("view_intake", "request", row["reference"])
    return _render_intake(row)


def _render_intake(row: dict, review_form=None):
    screening = intake.Screening.of(row)
    return render_template(
        "staff/intake.html",
        r=row,
        s=screening,
        age=clock.age(date.fromisoformat(row["date_of_birth"])),
        reference=format_reference(row["reference"]),
        safety=screening.safety_panel(row["flags"]),
        age_warning=screening.age_warning(row["date_of_birth"], row["screened_at"]),
        reviews=intake.reviews(get_db(), row["id"]),
        review_form=review_form or ReviewForm(),
        SOURCES=SOURCES,
        OUTCOME_LABELS=OUTCOME_LABELS,
        STATUS_NAMES=queue.STATUS_NAMES,
    )


@bp.post("/requests/<reference>/review")
@roles_required("physician")
def review(reference: str) -> ResponseReturnValue:
    def apply(db, row, form):
        added = intake.add_review(db, row["id"], current_user.id, (form.note.data or "").strip())
        return (
            "review" if added else "review_repeated",
            {},
            "Marked as reviewed." if added else "Already marked reviewed by you with this note: nothing added.",
        )

    return _act(
        reference,
        lambda row: ReviewForm(),
        apply,
        lambda row, form: _render_intake(row, review_form=form),
        lambda row: url_for("staff.intake_page", reference=row["reference"]),
    )


@bp.get("/requests/<reference>/next-unreviewed")
@roles_required("physician")
def next_unreviewed(reference: str) -> ResponseReturnValue:
    """From one intake to the next open request no physician has reviewed yet."""
    found = queue.next_unreviewed(get_db(), _load(reference))
    if found is None:
        flash("No other request is waiting for a review.")
        return redirect(url_for("staff.queue", review="pending"), 303)
    return redirect(url_for("staff.intake_page", reference=found), 303)


@bp.get("/requests/<reference>/questionnaire-response.json")
@roles_required("physician")
def fhir_response(reference: str) -> ResponseReturnValue:
    row = _load(reference)
    resource = fhir.questionnaire_response(
        intake.Screening.of(row).definition,
        current_app.config["FHIR_BASE_URL"],
        screening_id=row["screening_id"],
        authored=row["screened_at"],
        answers=row["answers"],
        outcome=row["outcome"],
        criteria=row["criteria"],
        flags=row["flags"],
        peg_score=row["peg_score"],
        rules_version=row["rules_version"],
    )
    audit.record("export_fhir", "request", row["reference"])
    response = jsonify(resource)
    response.mimetype = "application/fhir+json"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="questionnaire-response-{format_reference(row["reference"])}.json"'
    )
    return response


@bp.get("/screenings.csv")
@roles_required("physician")
def export_screenings() -> ResponseReturnValue:
    asked = params.date_range(request.args)
    if asked.errors:
        return _bad_input(
            "The export was not made: "
            + "; ".join(f"“{name}”: {message}" for name, message in asked.errors.items())
            + "."
        )
    # Whole days: from the start of `from` to the end of `to`.
    start = asked.start and asked.start.isoformat()
    end = asked.end and (asked.end + timedelta(days=1)).isoformat()
    audit.record("export_screenings", start=start, end=end)
    return _csv_download("screenings", intake.screening_header(), lambda db: intake.screening_rows(db, start, end))
