"""Front desk: the queue in due order, a request's page, its status, contact attempts and notes."""
from __future__ import annotations

from contextlib import closing
from datetime import date

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import audit, clock, csv_export, fhir, params
from ..assessment import FLAGS, OUTCOME_LABELS, OUTCOMES, SOURCES
from ..auth import roles_required
from ..db import connect, get_db
from ..patient.forms import BEST_TIMES
from ..references import format_reference
from . import bp, intake, queue
from .forms import AttemptForm, NoteForm, ReviewForm, SearchForm, StatusForm

# The search text (names, phone numbers) stays on the server: out of URLs, logs and the session cookie,
# which is signed but readable. The session holds only a random id.
SEARCH_KEY = "queue_search_id"
CLINICAL = ("front_desk", "physician")
EXPORT_HEADER = ["reference", "name", "phone", "email", "location", "outcome", "flags", "status",
                 "submitted", "due"]


def _filters() -> queue.Filters:
    args = request.args
    status = args.get("status", "open")
    return queue.Filters(
        status=status if status in ("open", "all", *queue.STATUSES) else "open",
        outcome=args.get("outcome", "") if args.get("outcome") in OUTCOMES else "",
        flag=args.get("flag", "") if args.get("flag") in FLAGS else "",
        location=args.get("location", "")[:100],
        review="pending" if args.get("review") == "pending" else "",
        search=queue.saved_search(get_db(), session.get(SEARCH_KEY), current_user.id),
        page=params.whole_number(args.get("page"), maximum=99_999) or 1,
    )


def _filter_args(filters: queue.Filters, **changes) -> dict:
    """The filters as URL parameters (codes only, never search text)."""
    values = {"status": filters.status, "outcome": filters.outcome, "flag": filters.flag,
              "location": filters.location, "review": filters.review, "page": filters.page, **changes}
    return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)
            and not (k == "status" and v == "open")}


@bp.get("/", endpoint="queue")
@roles_required(*CLINICAL)
def queue_page():
    db = get_db()
    filters = _filters()
    rows, total = queue.page_of_requests(db, filters)
    audit.record("view_queue", page=filters.page, shown=len(rows))
    now = clock.now()
    for row in rows:
        row["due_text"], row["overdue"] = queue.due_text(row, now)
    pages = max(1, -(-total // queue.PER_PAGE))
    return render_template(
        "staff/queue.html", rows=rows, total=total, filters=filters, pages=pages,
        counts=queue.counts_by_status(db),
        flag_options=[(code, flag.clinical_text) for code, flag in FLAGS.items()],
        location_options=[(name, name) for name in queue.locations(db)],
        search_form=SearchForm(q=filters.search), filter_args=lambda **c: _filter_args(filters, **c),
        STATUS_NAMES=queue.STATUS_NAMES, OUTCOME_LABELS=OUTCOME_LABELS, FLAGS=FLAGS,
        format_reference=format_reference,
    )


@bp.post("/search")
@roles_required(*CLINICAL)
def search():
    form = SearchForm()
    if form.validate_on_submit():
        text = (form.q.data or "").strip()
        db = get_db()
        queue.forget_searches(db, current_user.id)
        session.pop(SEARCH_KEY, None)
        if text and request.form.get("action") != "clear":
            session[SEARCH_KEY] = queue.save_search(db, current_user.id, text)
    keep = {k: v for k, v in request.form.items() if k in ("status", "outcome", "flag", "location", "review") and v}
    return redirect(url_for("staff.queue", **keep), 303)


@bp.get("/export.csv")
@roles_required(*CLINICAL)
def export():
    filters = _filters()
    audit.record("export_queue", status=filters.status, outcome=filters.outcome, flag=filters.flag,
                 location=filters.location, searched=bool(filters.search))

    def rows(db):
        for r in queue.iter_requests(db, filters):
            yield [format_reference(r["reference"]), r["full_name"], r["phone"], r["email"], r["location"],
                   r["outcome"], ";".join(r["flags"]), r["status"], r["created_at"], r["due_at"]]

    return _csv_download("requests", EXPORT_HEADER, rows)


def _csv_download(name: str, header: list[str], rows) -> Response:
    """A streamed CSV attachment; `rows(db)` yields its rows.

    The rows are read on their own connection: the request's one is closed
    before the last row is sent.
    """
    path = current_app.config["DATABASE"]

    def generate():
        with closing(connect(path)) as db:
            yield from csv_export.stream(header, rows(db))

    filename = f"{name}-{clock.now().date().isoformat()}.csv"
    return Response(generate(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _load(reference: str) -> dict:
    request_row = queue.get_request(get_db(), reference)
    if request_row is None:
        abort(404)
    return request_row


def _render_request(row: dict, status_form=None, attempt_form=None, note_form=None):
    allowed = queue.TRANSITIONS[row["status"]]
    due_text, overdue = queue.due_text(row, clock.now())
    screening = intake.Screening.of(row)
    return render_template(
        "staff/request.html", r=row, age=clock.age(date.fromisoformat(row["date_of_birth"])), BEST_TIMES=BEST_TIMES,
        rules=screening.rules, flags=[e for e in screening.safety_panel(row["flags"]) if e.kind != "stop"],
        age_warning=screening.age_warning(row["date_of_birth"], row["screened_at"]),
        events=queue.events(get_db(), row["id"]),
        status_form=status_form or StatusForm(allowed=allowed),
        attempt_form=attempt_form or AttemptForm(),
        note_form=note_form or NoteForm(),
        due_text=due_text, overdue=overdue, reference=format_reference(row["reference"]),
        OUTCOME_LABELS=OUTCOME_LABELS, STATUS_NAMES=queue.STATUS_NAMES,
        METHODS=queue.METHODS, RESULTS=queue.RESULTS,
    )


@bp.get("/requests/<reference>")
@roles_required(*CLINICAL)
def request_page(reference: str):
    row = _load(reference)
    audit.record("view_request", "request", row["reference"])
    return _render_request(row)


def _act(reference: str, form_name: str, make_form, apply):
    """Validate one of the request page's forms, apply it and audit it in one transaction.

    `apply(db, row, form)` returns (audit action, audit detail, message for the user).
    """
    row = _load(reference)
    form = make_form(row)
    if not form.validate():
        return _render_request(row, **{form_name: form})
    db = get_db()
    with db.atomic():
        action, detail, message = apply(db, row, form)
        audit.record(action, "request", row["reference"], **detail)
    flash(message)
    return redirect(url_for("staff.request_page", reference=row["reference"]), 303)


@bp.post("/requests/<reference>/status")
@roles_required(*CLINICAL)
def change_status(reference: str):
    def apply(db, row, form):
        queue.change_status(db, row, current_user.id, form.status.data, form.note.data or "")
        return ("status_change", {"old": row["status"], "new": form.status.data},
                f"Status changed to “{queue.STATUS_NAMES[form.status.data]}”.")

    return _act(reference, "status_form", lambda row: StatusForm(allowed=queue.TRANSITIONS[row["status"]]), apply)


@bp.post("/requests/<reference>/attempts")
@roles_required(*CLINICAL)
def add_attempt(reference: str):
    def apply(db, row, form):
        queue.add_attempt(db, row, current_user.id, form.method.data, form.result.data, form.note.data or "")
        return ("contact_attempt", {"method": form.method.data, "result": form.result.data},
                "Contact attempt recorded.")

    return _act(reference, "attempt_form", lambda row: AttemptForm(), apply)


@bp.post("/requests/<reference>/notes")
@roles_required(*CLINICAL)
def add_note(reference: str):
    def apply(db, row, form):
        queue.add_note(db, row, current_user.id, form.note.data.strip())
        return "note_added", {}, "Note added."

    return _act(reference, "note_form", lambda row: NoteForm(), apply)


# The physician's intake, review and standard exports

@bp.get("/requests/<reference>/intake")
@roles_required("physician")
def intake_page(reference: str):
    row = _load(reference)
    audit.record("view_intake", "request", row["reference"])
    return _render_intake(row)


def _render_intake(row: dict, review_form=None):
    screening = intake.Screening.of(row)
    return render_template(
        "staff/intake.html", r=row, s=screening, age=clock.age(date.fromisoformat(row["date_of_birth"])),
        reference=format_reference(row["reference"]), safety=screening.safety_panel(row["flags"]),
        age_warning=screening.age_warning(row["date_of_birth"], row["screened_at"]),
        reviews=intake.reviews(get_db(), row["id"]), review_form=review_form or ReviewForm(),
        SOURCES=SOURCES, OUTCOME_LABELS=OUTCOME_LABELS, STATUS_NAMES=queue.STATUS_NAMES,
    )


@bp.post("/requests/<reference>/review")
@roles_required("physician")
def review(reference: str):
    row = _load(reference)
    form = ReviewForm()
    if not form.validate():
        return _render_intake(row, review_form=form)
    db = get_db()
    with db.atomic():
        intake.add_review(db, row["id"], current_user.id, (form.note.data or "").strip())
        audit.record("review", "request", row["reference"])
    flash("Marked as reviewed.")
    return redirect(url_for("staff.intake_page", reference=row["reference"]), 303)


@bp.get("/requests/<reference>/questionnaire-response.json")
@roles_required("physician")
def fhir_response(reference: str):
    row = _load(reference)
    resource = fhir.questionnaire_response(
        intake.Screening.of(row).definition, current_app.config["FHIR_BASE_URL"],
        screening_id=row["screening_id"], authored=row["screened_at"], answers=row["answers"], outcome=row["outcome"],
        criteria=row["criteria"], flags=row["flags"], peg_score=row["peg_score"],
        rules_version=row["rules_version"],
    )
    audit.record("export_fhir", "request", row["reference"])
    response = jsonify(resource)
    response.mimetype = "application/fhir+json"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="questionnaire-response-{format_reference(row["reference"])}.json"')
    return response


@bp.get("/screenings.csv")
@roles_required("physician")
def export_screenings():
    start, end = params.day(request.args.get("from")), params.day(request.args.get("to"), next_day=True)
    audit.record("export_screenings", start=start, end=end)
    return _csv_download("screenings", intake.screening_header(),
                         lambda db: intake.screening_rows(db, start, end))
