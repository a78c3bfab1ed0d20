"""The patient's path: landing, steps, urgent and age stops, summary, request, confirmation."""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    after_this_request,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from .. import clock, fhir, i18n, promises, rules
from .. import questionnaire as q
from ..assessment import URGENT, assess, urgency
from ..db import get_db
from ..errors import STORAGE_RETRY_SECONDS, after_in_words
from ..extensions import csrf, limiter
from ..formatting import masked_email
from ..i18n import N_
from ..notify import outbox
from ..references import format_reference, new_reference
from ..rules.common import sorted_flags
from . import bp, drafts, resume_links, submissions, wizard
from .forms import RequestForm, SaveForLaterForm, answer_from_field, field_data, step_form_class

EXPIRED_MESSAGE = N_(
    "For your privacy, saved answers are deleted after {days} days, when you choose to start "
    "over, or when you open them on another device with an emailed link. Please start again."
)


def _draft():
    token = request.cookies.get(drafts.COOKIE_NAME)
    return token, drafts.load(get_db(), token)


def _with_draft_cookie(response, token: str, until_browser_closes: bool = False):
    response.set_cookie(
        drafts.COOKIE_NAME,
        token,
        max_age=None if until_browser_closes else current_app.config["DRAFT_DAYS"] * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _without_draft_cookie(response):
    response.delete_cookie(
        drafts.COOKIE_NAME, httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"]
    )
    return response


def _open_draft():
    """The one guard of every page that needs a draft: (token, answers, None), or, when there is no draft
    (expired, deleted or already sent), (token, None, the redirect that tells the patient why)."""
    token, answers = _draft()
    return token, answers, (_no_draft_redirect(token) if answers is None else None)


def _all_answered(answers) -> bool:
    return i18n.definition().first_incomplete_step(answers) is None


def _no_draft_redirect(token):
    if token:  # a cookie whose draft is gone: expired, deleted or already sent
        reference = submissions.reference_for(get_db(), drafts.draft_id(token))
        if reference:
            # Its details show only in the visit that sent it (this browser session opened its request
            # form, even if the reply to Send was lost); a shared computer's next user sees none.
            if _sent_reference() == reference:
                return redirect(url_for("patient.done"))
            sent_at = submissions.sent_at(get_db(), reference)
            if session.pop("request_draft", None) == drafts.draft_id(token) and sent_at + SENT_VISIBLE > clock.now():
                _remember_sent(reference, sent_at)  # the reply to Send was lost a moment ago
                return redirect(url_for("patient.done"))
            return redirect(url_for("patient.sent"))
        flash(gettext(EXPIRED_MESSAGE).format(days=current_app.config["DRAFT_DAYS"]))
    return _without_draft_cookie(redirect(url_for("patient.landing")))


SENT_VISIBLE = timedelta(minutes=20)  # how long this browser shows the request just sent


def _remember_sent(reference: str, sent_at: datetime | None = None) -> None:
    """This visit may show the request it sent, for a while: long enough to read and print the confirmation,
    short enough that the next person on a shared computer, who finds the browser still open, sees nothing."""
    session["reference"] = reference
    session["reference_until"] = clock.iso((sent_at or clock.now()) + SENT_VISIBLE)
    session.pop("request_draft", None)


def _sent_reference() -> str | None:
    until = session.get("reference_until")
    if until and clock.parse(until) > clock.now():
        return session.get("reference")
    session.pop("reference", None)
    session.pop("reference_until", None)
    return None


def _url(destination: wizard.Destination) -> str:
    if destination.page == "step":
        return url_for("patient.step", step_id=destination.step_id)
    return url_for(f"patient.{destination.page}")


def _resume_target(answers) -> str:
    """Where a returning patient continues: the first step with an unanswered question."""
    return _url(wizard.resume_point(q.current(), answers))


def _urgency(answers) -> str | None:
    """The red-flag tier of the answers so far ("emergency", "same_day" or None)."""
    return urgency(answers.get("red_flags"))


@bp.get("/")
def landing() -> ResponseReturnValue:
    _token, answers = _draft()
    sent_reference = _sent_reference()
    return render_template(
        "patient/landing.html",
        has_draft=answers is not None,
        step_count=len(i18n.definition().steps),
        sent_reference=format_reference(sent_reference) if sent_reference else None,
    )


@bp.get("/about-the-procedure")
def about() -> ResponseReturnValue:
    return render_template("patient/about.html")


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template(
        "patient/privacy.html",
        draft_days=current_app.config["DRAFT_DAYS"],
        retention_days=current_app.config["ANON_SCREENING_RETENTION_DAYS"],
    )


@bp.get("/notice-of-privacy-practices")
def privacy_practices() -> ResponseReturnValue:
    """The clinic's Notice of Privacy Practices, from a file it provides; until then, how to get a copy."""
    path = current_app.config["NOTICE_OF_PRIVACY_PRACTICES_FILE"]
    paragraphs = []
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError:
            current_app.logger.error("NOTICE_OF_PRIVACY_PRACTICES_FILE cannot be read: %s", path)
        else:
            paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    return render_template("patient/privacy_practices.html", paragraphs=paragraphs)


@bp.post("/start")
@limiter.limit(lambda: current_app.config["START_RATE_LIMIT"])
def start() -> ResponseReturnValue:
    token, answers = _draft()
    if answers is None:
        token = drafts.create(get_db(), current_app.config["DRAFT_DAYS"], session.get(i18n.SESSION_KEY))
        answers = {}
    return _with_draft_cookie(redirect(_resume_target(answers), 303), token)


@bp.get("/continue")
def resume() -> ResponseReturnValue:
    token, answers, detour = _open_draft()
    if detour:
        return detour
    return redirect(_url(wizard.returning_point(q.current(), answers)))


@bp.post("/start-over")
def start_over() -> ResponseReturnValue:
    token, answers = _draft()
    if answers is not None:
        drafts.delete(get_db(), token)
    flash(gettext("Your answers have been deleted."))
    return _without_draft_cookie(redirect(url_for("patient.landing"), 303))


@bp.route("/step/<step_id>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one re-renders the answers
@limiter.limit(lambda: current_app.config["STEP_RATE_LIMIT"], methods=["POST"])
def step(step_id: str) -> ResponseReturnValue:
    definition = i18n.definition()
    current = definition.steps_by_id.get(step_id) or abort(404)
    token, answers = _draft()
    if answers is None:
        if request.method == "POST" and token and submissions.reference_for(get_db(), drafts.draft_id(token)):
            flash(
                gettext(
                    "Your request had already been sent, so this change was not used. "
                    "If something you told us has changed, please call us."
                )
            )
        return _no_draft_redirect(token)
    if not wizard.may_open(definition, current, answers):
        return redirect(_resume_target(answers))

    form_class = step_form_class(current.items)
    page = f"step:{current.id}"
    if request.method == "GET":
        kept = drafts.kept_form(get_db(), token, page)
        if kept and kept.get("language_switch"):  # typed before switching language: shown as typed, unjudged
            form = form_class(formdata=MultiDict(kept["fields"]), meta={"csrf": False})
            return _render_step(current, form, answers, [], False, [])
        if kept:  # the answers just posted, with their errors or the questions they added
            form = form_class(formdata=MultiDict(kept["fields"]), meta={"csrf": False})
            form.validate()
            check = _check_step(definition, current, form, answers)
            return _render_step(current, form, check.merged, check.errors, False, check.revealed)
        form = form_class(
            data={i.link_id: field_data(i, answers[i.link_id]) for i in current.items if i.link_id in answers}
        )
        form.return_to.data = "summary" if request.args.get("change") else ""
        return _render_step(current, form, answers, [], csrf_failed=False, revealed=[])

    form = form_class()
    form.validate()
    csrf_failed = bool("csrf_token" in form and form.csrf_token.errors)
    check = _check_step(definition, current, form, answers)
    merged = check.merged
    going_back = request.form.get("action") == "back"  # Back never fails validation
    complete = definition.first_incomplete_step(merged) is None
    if not csrf_failed:
        db = get_db()
        try:
            with db.atomic():  # the draft and the finished screening are saved together or not at all
                drafts.save(db, token, merged, current_app.config["DRAFT_DAYS"])
                if complete and not going_back:
                    submissions.store_screening(db, drafts.draft_id(token), assess(merged), i18n.current_language())
        except sqlite3.Error as error:
            return _not_saved(error, _render_step(current, form, merged, [], False, [], STEP_NOT_SAVED))
        # The cookie lives as long as the draft: DRAFT_DAYS from the last save.
        after_this_request(lambda response: _with_draft_cookie(response, token))

    changing = form.return_to.data == "summary"
    if going_back:
        return redirect(_url(wizard.after_back(definition, current, merged, changing=changing)), 303)
    if csrf_failed:  # not trusted to change anything: shown again as sent
        return _render_step(current, form, merged, check.errors, True, check.revealed)
    if check.errors or check.revealed:
        # Post/redirect/get: the browser's Back never lands on a posted page ("Confirm Form Resubmission").
        drafts.keep_form(get_db(), token, page, _posted_fields(form))
        return redirect(url_for("patient.step", step_id=current.id), 303)
    return redirect(
        _url(
            wizard.after_continue(
                definition, current, merged, changing=changing, red_flags_asked="red_flags" in check.shown_ids
            )
        ),
        303,
    )


@bp.post("/step/<step_id>/autosave")
@limiter.limit(lambda: current_app.config["AUTOSAVE_RATE_LIMIT"])
def autosave(step_id: str) -> ResponseReturnValue:
    """With JavaScript, answers are saved as the patient chooses them (a reload or a link loses nothing).

    Only the answers that are valid are kept, exactly as Continue would keep them; nothing is judged
    or shown: the patient still presses Continue to move on. 204 when saved.
    """
    definition = i18n.definition()
    current = definition.steps_by_id.get(step_id) or abort(404)
    token, answers = _draft()
    if answers is None or not definition.step_applies(current, answers):
        abort(409)
    form = step_form_class(current.items)(meta={"csrf": False})  # CSRFProtect checked the token already
    form.validate()
    # Answers not (yet) valid leave what was saved before as it was.
    drafts.save(
        get_db(),
        token,
        definition.shown_answers({**answers, **_valid_answers(current, form)}),
        current_app.config["DRAFT_DAYS"],
    )
    return "", 204


KEPT_VALUE_MAX = 2000  # longer than any field accepts, so the message about it can still be shown


def _posted_fields(form, posted: MultiDict | None = None) -> list[tuple[str, str]]:
    """What a form with errors keeps for its next page: its own fields only, each of a bounded length."""
    names = {field.name for field in form if field.name != "csrf_token"}
    names |= {f"{field.name}-{part}" for field in form for part in getattr(field, "PARTS", ())}
    posted = request.form if posted is None else posted
    return [(k, v[:KEPT_VALUE_MAX]) for k, v in posted.items(multi=True) if k in names]


@dataclass(frozen=True)
class StepCheck:
    merged: dict  # every answer, this step's valid ones included, those no longer asked left out
    shown_ids: set[str]
    errors: list  # (item, message) for the questions shown
    revealed: list[str]  # questions added by this step's answers, not yet seen by the patient


def _valid_answers(current, form) -> dict:
    """This step's answers that passed validation, as stored (an empty optional text is no answer)."""
    valid = {i.link_id: answer_from_field(i, form[i.link_id].data) for i in current.items if not form[i.link_id].errors}
    return {k: v for k, v in valid.items() if v is not None}


def _check_step(definition, current, form, answers) -> StepCheck:
    """What the posted form means: the answers to keep, the errors to show, the questions it adds."""
    others = {k: v for k, v in answers.items() if definition.step_of_item.get(k) is not current}
    merged = definition.shown_answers({**others, **_valid_answers(current, form)})
    shown_ids = {i.link_id for i in definition.shown_items(current, merged)}
    asked = set((form.asked.data or "").split())
    revealed = []
    for item in current.items:
        field = form[item.link_id]
        if item.link_id not in shown_ids:
            field.errors = []  # not asked: whatever was sent is discarded
        elif item.link_id not in asked and item.link_id not in merged:
            field.errors = []  # newly asked because of another answer: ask, do not scold
            revealed.append(item.link_id)
    errors = [
        (item, form[item.link_id].errors[0])
        for item in current.items
        if item.link_id in shown_ids and form[item.link_id].errors
    ]
    return StepCheck(merged, shown_ids, errors, revealed)


def _render_step(current, form, answers, errors, csrf_failed, revealed, not_saved=None):
    definition = i18n.definition()
    shown_ids = [i.link_id for i in definition.shown_items(current, answers)]
    form.asked.data = " ".join(shown_ids)
    number, total = definition.progress(current, answers)
    return render_template(
        "patient/step.html",
        step=current,
        form=form,
        shown_ids=set(shown_ids),
        errors=errors,
        csrf_failed=csrf_failed,
        revealed=revealed,
        number=number,
        total=total,
        text_max=q.TEXT_MAX,
        not_saved=not_saved,
        minor=wizard.is_minor(answers),
    )


STEP_NOT_SAVED = {"kind": "storage", "what": "answers"}
REQUEST_NOT_SAVED = {"kind": "storage", "what": "details"}


def _not_saved(error: sqlite3.Error, page: str):
    """The database refused a write (disk full, read-only): the same page, answers as posted, told honestly."""
    current_app.logger.error("Storage fault on %s: %s: %s", request.endpoint, type(error).__name__, error)
    return page, 503, {"Retry-After": str(STORAGE_RETRY_SECONDS)}


@bp.get("/get-care-now")
def urgent() -> ResponseReturnValue:
    token, answers, detour = _open_draft()
    if detour:
        return detour
    tier = _urgency(answers)
    if not tier:
        return redirect(_resume_target(answers))
    return render_template(
        "patient/urgent.html",
        tier=tier,
        next_url=_resume_target(answers),
        minor=wizard.is_minor(answers),
        urgent_due=_due_if_sent_now(URGENT),
    )


@bp.get("/adults-only")
def adults_only() -> ResponseReturnValue:
    token, answers, detour = _open_draft()
    if detour:
        return detour
    if not (wizard.is_minor(answers) and _all_answered(answers)):
        return redirect(_resume_target(answers))
    return render_template("patient/adults_only.html", first_step=i18n.definition().step_ids[0], tier=_urgency(answers))


def _finished_draft():
    """(token, assessment) when the draft is complete, else a redirect to send the patient to."""
    token, answers, detour = _open_draft()
    if detour:
        return None, detour
    if wizard.is_minor(answers) or not _all_answered(answers):
        return None, redirect(_resume_target(answers))
    return (token, assess(answers)), None


@bp.get("/summary")
def summary() -> ResponseReturnValue:
    finished, detour = _finished_draft()
    if detour:
        return detour
    _token, assessment = finished
    return _render_summary(assessment, i18n.definition())


def _render_summary(assessment, definition, sent: dict | None = None, reference: str | None = None) -> str:
    """The summary of a draft (before sending) or of a request just sent (read-only, to print)."""
    rules_module = rules.for_version(assessment.rules_version)
    watch_for = rules_module.safety_net(assessment.answers)
    flags = rules_module.FLAGS
    return render_template(
        "patient/summary.html",
        a=assessment,
        FLAGS=flags,
        tier=rules_module.urgency_of_flags(assessment.flags),
        flags=[f for f in sorted_flags(assessment.flags, flags) if flags[f].kind not in ("urgent", "stop")],
        due_if_sent_now=_due_if_sent_now(assessment.outcome),
        answered=definition.answered_by_step(assessment.answers),
        watch_for=[o.label for o in definition.items["red_flags"].options if o.code in watch_for],
        sent=sent,
        reference=reference,
        printed_on=clock.now(),
    )


@bp.route("/request", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one keeps the details
@limiter.limit(
    lambda: current_app.config["REQUEST_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: response.headers.get("Location", "").endswith("/done"),  # sent only
    on_breach=lambda limit: _request_limited(limit),
)
def consultation_request() -> ResponseReturnValue:
    finished, detour = _finished_draft()
    if detour:
        token = request.cookies.get(drafts.COOKIE_NAME)
        reference = token and submissions.reference_for(get_db(), drafts.draft_id(token))
        if request.method == "POST" and reference:  # sent already, from another tab or a double click
            _tell_if_details_were_not_used(reference, _request_form())
        return detour
    token, assessment = finished
    session["request_draft"] = drafts.draft_id(token)  # this visit may see the request it sends
    if request.method == "GET":
        kept = drafts.kept_form(get_db(), token, "request")
        if kept:  # the details just posted, with their errors (none for details kept by the language switch)
            form = _request_form(formdata=MultiDict(kept["fields"]), meta={"csrf": False})
            if not kept.get("language_switch"):
                form.validate()
            return _render_request(form, assessment)
    form = _request_form()
    if request.method == "POST":
        valid = form.validate()
        if form.is_bot:  # say nothing a bot could learn from, store nothing
            _remember_sent(new_reference())
            return redirect(url_for("patient.done"), 303)
        if valid:
            settings = outbox.Settings.from_config(current_app.config)
            try:
                reference, request_id = submissions.submit_request(
                    get_db(),
                    token,
                    assessment,
                    form.contact_details(),
                    language=i18n.current_language(),
                    due=lambda sent: promises.due_at(assessment.outcome == URGENT, sent),
                    on_created=lambda db, row: outbox.enqueue_new_request(db, settings, row),
                )
            except sqlite3.Error as error:
                return _not_saved(error, _render_request(form, assessment, not_saved=REQUEST_NOT_SAVED))
            if request_id is None:
                _tell_if_details_were_not_used(reference, form)
            _remember_sent(reference)
            # The notifications wait in the outbox for the delivery worker: the page never waits for mail.
            # The draft cookie now lasts only until the browser closes: a repeated submit in this visit
            # finds this request, and the next person on a shared computer finds nothing.
            return _with_draft_cookie(redirect(url_for("patient.done"), 303), token, until_browser_closes=True)
        if not ("csrf_token" in form and form.csrf_token.errors):
            # Post/redirect/get: Back after fixing the errors and sending never offers to send again.
            drafts.keep_form(get_db(), token, "request", _posted_fields(form))
            return redirect(url_for("patient.consultation_request"), 303)
    return _render_request(form, assessment)


def _request_form(**kwargs) -> RequestForm:
    config = current_app.config
    return RequestForm(
        locations=config["CLINIC_LOCATIONS"],
        region=config["PHONE_REGION"],
        call_windows=promises.clinic().call_windows(promises.words()),
        language=i18n.current_language(),
        **kwargs,
    )


def _tell_if_details_were_not_used(reference: str, form: RequestForm) -> None:
    """The request was already sent with other details (another tab): say that these were not used."""
    if form.validate() and submissions.same_contact(get_db(), reference, form.contact_details()):
        return
    flash(
        gettext(
            "This request had already been sent, from another tab or window, with the contact details "
            "entered there. The details you just typed were not used. If we should use them, please call us."
        )
    )


def _render_request(form: RequestForm, assessment, not_saved: dict | None = None) -> str:
    csrf_failed = bool("csrf_token" in form and form.csrf_token.errors)
    return render_template(
        "patient/request.html",
        form=form,
        a=assessment,
        csrf_failed=csrf_failed,
        tier=_urgency(assessment.answers),
        due_if_sent_now=_due_if_sent_now(assessment.outcome),
        not_saved=not_saved,
    )


def _request_limited(limit) -> Response | None:
    """Flask-Limiter's on_breach for the request form: the form again, every detail kept, and when to retry."""
    finished, detour = _finished_draft()
    if detour:
        return None  # the plain 429 page
    _token, assessment = finished
    form = _request_form()
    wait = max(1, math.ceil(limit.reset_at - time.time()))
    not_saved = {"kind": "limited", "what": "details", "after": after_in_words(wait)}
    return make_response(_render_request(form, assessment, not_saved), 429, {"Retry-After": str(wait)})


def _due_if_sent_now(outcome: str) -> datetime:
    """When the clinic would call if the request were sent now: sooner for urgent screenings."""
    return promises.due_at(outcome == URGENT, clock.now())


@bp.get("/done")
def done() -> ResponseReturnValue:
    reference = _sent_reference()
    if not reference:
        return redirect(url_for("patient.landing"))
    sent = submissions.sent_request(get_db(), reference)
    return render_template(
        "patient/done.html",
        reference=format_reference(reference),
        sent=sent,
        emailed=bool(sent and sent["email"] and current_app.config["PATIENT_CONFIRMATION_EMAIL"]),
    )


@bp.get("/done/summary")
def sent_summary() -> ResponseReturnValue:
    """The patient's own summary, to read or print while still on the visit that sent the request."""
    reference = _sent_reference()
    sent = submissions.sent_request(get_db(), reference) if reference else None
    if sent is None:
        return redirect(url_for("patient.landing"))
    return _render_summary(
        sent["assessment"],
        i18n.definition(sent["questionnaire_version"]),
        sent=sent,
        reference=format_reference(reference),
    )


@bp.route("/save-for-later", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SAVE_LINK_RATE_LIMIT"], methods=["POST"])
def save_for_later() -> ResponseReturnValue:
    """Email a single-use link that opens this draft on another device."""
    token, answers, detour = _open_draft()
    if detour:
        return detour
    form = SaveForLaterForm()
    if form.validate_on_submit():
        db = get_db()
        with db.atomic():
            code, expires_at = resume_links.create(db, token, current_app.config["SECRET_KEY"])
            outbox.enqueue_resume_link(
                db, outbox.Settings.from_config(current_app.config), form.email.data, code, expires_at
            )
        # For the page after the redirect; the address only masked, as the session cookie is readable.
        session["saved_for_later"] = {"sent_to": masked_email(form.email.data), "expires_at": expires_at}
        return redirect(url_for("patient.save_for_later"), 303)
    sent = session.pop("saved_for_later", None) if request.method == "GET" else None
    return render_template("patient/save_for_later.html", form=form, **(sent or {}))


@bp.route("/resume", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SAVE_LINK_RATE_LIMIT"], methods=["POST"])
def resume_with_code() -> ResponseReturnValue:
    """The emailed code: typed, or copied from the link's #fragment by a script (never sent in a URL).

    A button uses it, so a mail scanner following the link spends nothing.
    """
    if request.method == "GET":
        return render_template("patient/resume_link.html", failed=False)
    new_token = resume_links.redeem(get_db(), request.form.get("code", ""))
    if new_token is None:
        return render_template("patient/resume_link.html", failed=True), 410
    session.clear()  # whatever this browser held before belongs to someone else's visit
    answers = drafts.load(get_db(), new_token)
    chosen = drafts.language(get_db(), new_token)
    if chosen:  # the language chosen on the other device comes along
        session[i18n.SESSION_KEY] = chosen
    return _with_draft_cookie(redirect(_url(wizard.returning_point(q.current(), answers)), 303), new_token)


@bp.get("/sent")
def sent() -> ResponseReturnValue:
    """A neutral page for a browser that sent a request in an earlier visit: nothing about it is shown."""
    token = request.cookies.get(drafts.COOKIE_NAME)
    if not (token and submissions.reference_for(get_db(), drafts.draft_id(token))):
        return redirect(url_for("patient.landing"))
    return render_template("patient/sent.html")


@bp.post("/forget")
def forget() -> ResponseReturnValue:
    """Forget this device: the draft cookie and the session go, so this browser holds nothing about the patient."""
    session.clear()
    flash(gettext("This browser no longer keeps anything about your screening or your request."))
    return _without_draft_cookie(redirect(url_for("patient.landing"), 303))


# The switch's own fields; everything else it carries was typed on the page it was pressed on.
SWITCH_FIELDS = ("switch_language", "next", "csrf_token")


@bp.post("/language")
def switch_language() -> ResponseReturnValue:
    """The language switch on every patient page: the choice holds for this visit and is kept with the draft.

    With JavaScript, the switch also carries what was typed on the page but not yet sent (a step's answers,
    the request form's details): valid answers are saved, and the page shows again exactly as typed.
    """
    chosen = request.form.get("switch_language")
    if chosen not in i18n.LANGUAGES:
        abort(400)
    session[i18n.SESSION_KEY] = chosen
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target or not _opens_by_get(target):
        target = url_for("patient.landing")  # only a page of this site that a link can open
    token, answers = _draft()
    if answers is not None:
        db = get_db()
        drafts.set_language(db, token, chosen)
        _keep_typed(db, token, answers, urlsplit(target).path)
    return redirect(target, 303)


def _opens_by_get(target: str) -> bool:
    """Whether an address of this site answers a GET (a page shown after a POST may have none)."""
    try:
        current_app.url_map.bind("localhost").match(urlsplit(target).path, method="GET")
    except HTTPException:
        return False
    return True


def _keep_typed(db, token: str, answers: dict, path: str) -> None:
    """Save and keep the fields of the page the switch was pressed on, if it sent any (its own fields only)."""
    typed = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k not in SWITCH_FIELDS])
    if not typed:
        return
    definition = i18n.definition()
    current = definition.steps_by_id.get(path.removeprefix("/step/")) if path.startswith("/step/") else None
    if current is not None and definition.step_applies(current, answers):
        form = step_form_class(current.items)(formdata=typed, meta={"csrf": False})
        form.validate()
        drafts.save(
            db,
            token,
            definition.shown_answers({**answers, **_valid_answers(current, form)}),
            current_app.config["DRAFT_DAYS"],
        )
        page = f"step:{current.id}"
    elif path == url_for("patient.consultation_request"):
        form = _request_form(formdata=typed, meta={"csrf": False})
        page = "request"
    else:
        return
    drafts.keep_form(db, token, page, _posted_fields(form, typed), language_switch=True)


@bp.get("/questionnaire.json")
def questionnaire_json() -> ResponseReturnValue:
    """The FHIR Questionnaire of the current version, or of `?version=` (every released one)."""
    try:
        definition = q.definition(request.args.get("version", q.CURRENT_VERSION))
    except LookupError:
        abort(404)
    others = [language for language in i18n.LANGUAGES if language != i18n.DEFAULT_LANGUAGE]
    translated = (
        {language: i18n.definition(definition.version, language) for language in others}
        if definition.version == q.CURRENT_VERSION
        else {}
    )  # earlier versions: English only
    titles = {language: i18n.translate(fhir.TITLE, language) for language in others}
    return jsonify(fhir.questionnaire_resource(definition, current_app.config["FHIR_BASE_URL"], translated, titles))
