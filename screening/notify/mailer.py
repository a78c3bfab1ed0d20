"""Turning outbox rows into email: real SMTP, or .eml files when no SMTP host is set."""

from __future__ import annotations

import os
import re
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from .. import private

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def build(message: dict[str, Any], sender: str, secret: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message["recipient"]
    email["Subject"] = message["subject"]
    email["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1].strip(">") or "localhost"
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message['id']}", domain=domain)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(_expand(message["body"], secret))
    return email


def describe(error: Exception) -> str:
    """What went wrong, for the admin outbox page: type and SMTP code, never an address."""
    import smtplib  # only the delivery worker sends (web requests queue): not imported at start-up (issue 15)

    if isinstance(error, smtplib.SMTPResponseException):
        text = f"{type(error).__name__} {error.smtp_code}"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "SMTPRecipientsRefused"
    else:
        text = f"{type(error).__name__}: {error}"
    return EMAIL_RE.sub("<address>", text)[:300]


def _expand(body: str, secret: str) -> str:
    from ..diary import codes as diary_codes  # the diary link's code, likewise
    from ..patient import resume_links  # codes are made at sending time only

    return diary_codes.expand(resume_links.expand(body, secret), secret)


class SmtpSender:
    """Send through the clinic's mail server. Once handed over, SMTP cannot tell whether a
    message arrived, so `delivered` has no answer (None)."""

    def __init__(self, config) -> None:
        self.config = config

    def __call__(self, message: dict[str, Any]) -> None:
        config = self.config
        host, port, security, timeout = (
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["SMTP_SECURITY"],
            config["SMTP_TIMEOUT"],
        )
        email = build(message, config["MAIL_FROM"], config["SECRET_KEY"])
        import smtplib  # see describe()

        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                client.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            client.send_message(email)

    def delivered(self, message: dict[str, Any]) -> bool | None:
        return None


class FileSender:
    """Write each message as a .eml file (for development and for a newcomer to read).

    The file name comes from the message id, so a message whose file exists was
    delivered (`delivered`), and writing it again could only replace it, never add a second. Files are private
    (the To: line is the patient's address).
    """

    def __init__(self, folder: Path, sender: str, secret: str) -> None:
        self.folder, self.sender, self.secret = folder, sender, secret

    def _target(self, message: dict[str, Any]) -> Path:
        return self.folder / f"{message['id']:06d}-{message['kind']}.eml"

    def __call__(self, message: dict[str, Any]) -> None:
        target = self._target(message)
        private.folder(self.folder)
        partial = target.with_suffix(".tmp")
        private.write_bytes(partial, bytes(build(message, self.sender, self.secret)))
        os.replace(partial, target)  # readers never see half a file

    def delivered(self, message: dict[str, Any]) -> bool | None:
        return self._target(message).exists()


Sender = SmtpSender | FileSender


def sender_for(app) -> Sender:
    if app.config["SMTP_HOST"]:
        return SmtpSender(app.config)
    return FileSender(Path(app.instance_path) / "outbox", app.config["MAIL_FROM"], app.config["SECRET_KEY"])
