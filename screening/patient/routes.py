"""The patient's path: landing, steps, urgent and age stops, summary, request, confirmation."""
from __future__ import annotations

from flask import (
    abort, after_this_request, current_app, flash, jsonify, redirect, render_template, request, session, url_for,
)

from .. import fhir, questionnaire as q
from ..assessment import FLAGS, URGENT_RED_FLAGS, assess
from ..db import get_db
from ..extensions import csrf, limiter
from ..notify import outbox, send_after_response
from ..references import format_reference, new_reference
from . import bp, drafts, submissions
from .forms import RequestForm, answer_from_field, field_data, step_form_class

EXPIRED_MESSAGE = ("For your privacy, saved answers are deleted after {days} days, "
                   "or when you choose to start over. Please start again.")


def _draft():
    token = request.cookies.get(drafts.COOKIE_NAME)
    return token, drafts.load(get_db(), token)


def _with_draft_cookie(response, token: str):
    response.set_cookie(
        drafts.COOKIE_NAME, token,
        max_age=current_app.config["DRAFT_DAYS"] * 86400,
        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _without_draft_cookie(response):
    response.delete_cookie(drafts.COOKIE_NAME, httponly=True, samesite="Lax",
                           secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _no_draft_redirect(token):
    if token:  # a cookie whose draft is gone: expired, deleted or already sent
        reference = submissions.reference_for(get_db(), drafts.draft_id(token))
        if reference:
            session["reference"] = reference
            return redirect(url_for("patient.done"))
        flash(EXPIRED_MESSAGE.format(days=current_app.config["DRAFT_DAYS"]))
    return _without_draft_cookie(redirect(url_for("patient.landing")))


def _is_minor(answers) -> bool:
    return answers.get("age_band") == "under_18"


def _has_urgent_flag(answers) -> bool:
    return bool(set(answers.get("red_flags", ())) & URGENT_RED_FLAGS)


def _resume_target(answers) -> str:
    """Where a returning patient continues: the first step with an unanswered question."""
    if _is_minor(answers):
        return url_for("patient.adults_only")
    step = q.first_incomplete_step(answers)
    return url_for("patient.step", step_id=step.id) if step else url_for("patient.summary")


def _step_after(step: q.Step, answers) -> q.Step | None:
    applicable = q.steps_that_apply(answers)
    later = [s for s in applicable if q.STEP_IDS.index(s.id) > q.STEP_IDS.index(step.id)]
    return later[0] if later else None


def _progress(step: q.Step, answers) -> tuple[int, int]:
    applicable = [s.id for s in q.steps_that_apply(answers)]
    return applicable.index(step.id) + 1, len(applicable)


@bp.get("/")
def landing():
    _token, answers = _draft()
    return render_template("patient/landing.html", has_draft=answers is not None)


@bp.get("/about-the-procedure")
def about():
    return render_template("patient/about.html")


@bp.get("/privacy")
def privacy():
    return render_template("patient/privacy.html", draft_days=current_app.config["DRAFT_DAYS"])


@bp.post("/start")
def start():
    token, answers = _draft()
    if answers is None:
        token = drafts.create(get_db(), current_app.config["DRAFT_DAYS"])
        answers = {}
    return _with_draft_cookie(redirect(_resume_target(answers), 303), token)


@bp.get("/continue")
def resume():
    token, answers = _draft()
    if answers is None:
        return _no_draft_redirect(token)
    return redirect(_resume_target(answers))


@bp.post("/start-over")
def start_over():
    token, answers = _draft()
    if answers is not None:
        drafts.delete(get_db(), token)
    flash("Your answers have been deleted.")
    return _without_draft_cookie(redirect(url_for("patient.landing"), 303))


@bp.route("/step/<step_id>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one re-renders the answers
def step(step_id: str):
    current = q.STEPS_BY_ID.get(step_id) or abort(404)
    token, answers = _draft()
    if answers is None:
        return _no_draft_redirect(token)
    if _is_minor(answers) and current.id != q.STEP_IDS[0]:
        return redirect(url_for("patient.adults_only"))
    first_gap = q.first_incomplete_step(answers)
    if not q.step_applies(current, answers) or (
        first_gap and q.STEP_IDS.index(current.id) > q.STEP_IDS.index(first_gap.id)
    ):
        return redirect(_resume_target(answers))

    form_class = step_form_class(current.items)
    if request.method == "GET":
        form = form_class(data={i.link_id: field_data(i, answers[i.link_id])
                                for i in current.items if i.link_id in answers})
        form.return_to.data = "summary" if request.args.get("change") else ""
        return _render_step(current, form, answers, [], csrf_failed=False, revealed=False)

    form = form_class()
    form.validate()
    csrf_failed = bool("csrf_token" in form and form.csrf_token.errors)
    valid = {i.link_id: answer_from_field(i, form[i.link_id].data)
             for i in current.items if not form[i.link_id].errors}
    others = {k: v for k, v in answers.items() if q.STEP_OF_ITEM.get(k) is not current}
    merged = q.shown_answers({**others, **valid})
    shown_ids = {i.link_id for i in q.shown_items(current, merged)}
    asked = set((form.asked.data or "").split())
    revealed = False
    for item in current.items:
        field = form[item.link_id]
        if item.link_id not in shown_ids:
            field.errors = []  # not asked: whatever was sent is discarded
        elif item.link_id not in asked and item.link_id not in merged:
            field.errors = []  # newly asked because of another answer: ask, do not scold
            revealed = True
    if not csrf_failed:
        drafts.save(get_db(), token, merged, current_app.config["DRAFT_DAYS"])
        # The cookie lives as long as the draft: DRAFT_DAYS from the last save.
        after_this_request(lambda response: _with_draft_cookie(response, token))

    if request.form.get("action") == "back":  # Back never fails validation
        applicable = q.steps_that_apply(merged)
        earlier = [s for s in applicable if q.STEP_IDS.index(s.id) < q.STEP_IDS.index(current.id)]
        return redirect(url_for("patient.step", step_id=earlier[-1].id) if earlier
                        else url_for("patient.landing"), 303)

    errors = [(item, form[item.link_id].errors[0]) for item in current.items
              if item.link_id in shown_ids and form[item.link_id].errors]
    if csrf_failed or errors or revealed:
        return _render_step(current, form, merged, errors, csrf_failed, revealed)

    if q.first_incomplete_step(merged) is None:
        submissions.store_screening(get_db(), drafts.draft_id(token), assess(merged))
    if "red_flags" in shown_ids and _has_urgent_flag(merged):
        return redirect(url_for("patient.urgent"), 303)
    if _is_minor(merged):
        return redirect(url_for("patient.adults_only"), 303)
    following = _step_after(current, merged)
    if following is None or (form.return_to.data == "summary" and q.first_incomplete_step(merged) is None):
        return redirect(url_for("patient.summary"), 303)
    return redirect(url_for("patient.step", step_id=following.id), 303)


def _render_step(current, form, answers, errors, csrf_failed, revealed):
    shown_ids = [i.link_id for i in q.shown_items(current, answers)]
    form.asked.data = " ".join(shown_ids)
    number, total = _progress(current, answers)
    return render_template(
        "patient/step.html", step=current, form=form, shown_ids=set(shown_ids), errors=errors,
        csrf_failed=csrf_failed, revealed=revealed, number=number, total=total,
    )


@bp.get("/get-care-now")
def urgent():
    token, answers = _draft()
    if answers is None:
        return _no_draft_redirect(token)
    if not _has_urgent_flag(answers):
        return redirect(_resume_target(answers))
    following = _step_after(q.STEP_OF_ITEM["red_flags"], answers)
    if following is None or q.first_incomplete_step(answers) is None:  # nothing left to ask
        next_url = url_for("patient.summary")
    else:
        next_url = url_for("patient.step", step_id=following.id)
    return render_template("patient/urgent.html", next_url=next_url)


@bp.get("/adults-only")
def adults_only():
    token, answers = _draft()
    if answers is None:
        return _no_draft_redirect(token)
    if not _is_minor(answers):
        return redirect(_resume_target(answers))
    return render_template("patient/adults_only.html", first_step=q.STEP_IDS[0])


def _finished_draft():
    """(token, assessment) when the draft is complete, else a redirect to send the patient to."""
    token, answers = _draft()
    if answers is None:
        return None, _no_draft_redirect(token)
    if _is_minor(answers) or q.first_incomplete_step(answers) is not None:
        return None, redirect(_resume_target(answers))
    return (token, assess(answers)), None


@bp.get("/summary")
def summary():
    finished, detour = _finished_draft()
    if detour:
        return detour
    _token, assessment = finished
    return render_template("patient/summary.html", a=assessment, FLAGS=FLAGS, answered=q.answered_by_step(assessment.answers))


@bp.route("/request", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one keeps the details
@limiter.limit(lambda: current_app.config["REQUEST_RATE_LIMIT"], methods=["POST"],
               deduct_when=lambda response: response.status_code == 303)  # only requests sent count
def consultation_request():
    finished, detour = _finished_draft()
    if detour:
        return detour
    token, assessment = finished
    form = RequestForm(locations=current_app.config["CLINIC_LOCATIONS"],
                       region=current_app.config["PHONE_REGION"])
    if request.method == "POST":
        valid = form.validate()
        if form.is_bot:  # say nothing a bot could learn from, store nothing
            session["reference"] = new_reference()
            return redirect(url_for("patient.done"), 303)
        if valid:
            settings = outbox.Settings.from_config(current_app.config)
            reference, request_id = submissions.submit_request(
                get_db(), token, assessment, form.contact_details(),
                current_app.config["CONTACT_SLA_HOURS"],
                on_created=lambda db, row: outbox.enqueue_new_request(db, settings, row),
            )
            session["reference"] = reference
            # The cookie stays: a repeated submit finds this request instead of making another.
            response = redirect(url_for("patient.done"), 303)
            if request_id is not None:
                response.call_on_close(send_after_response(current_app._get_current_object(), request_id))
            return response
    csrf_failed = bool("csrf_token" in form and form.csrf_token.errors)
    return render_template("patient/request.html", form=form, a=assessment, csrf_failed=csrf_failed)


@bp.get("/done")
def done():
    reference = session.get("reference")
    if not reference:
        return redirect(url_for("patient.landing"))
    return render_template(
        "patient/done.html", reference=format_reference(reference),
        due_at=submissions.due_at_for(get_db(), reference),
        sla_hours=current_app.config["CONTACT_SLA_HOURS"],
    )


@bp.get("/questionnaire.json")
def questionnaire_json():
    return jsonify(fhir.questionnaire_resource(current_app.config["FHIR_BASE_URL"]))
