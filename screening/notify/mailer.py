"""Turning outbox rows into email: real SMTP, or .eml files when no SMTP host is set."""
from __future__ import annotations

import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Callable

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def build(message: dict[str, Any], sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message["recipient"]
    email["Subject"] = message["subject"]
    email["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1].strip(">") or "localhost"
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message['id']}", domain=domain)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message["body"])
    return email


def describe(error: Exception) -> str:
    """What went wrong, for the admin outbox page: type and SMTP code, never an address."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = f"{type(error).__name__} {error.smtp_code}"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "SMTPRecipientsRefused"
    else:
        text = f"{type(error).__name__}: {error}"
    return EMAIL_RE.sub("<address>", text)[:300]


def smtp_sender(config) -> Callable[[dict[str, Any]], None]:
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    security, timeout = config["SMTP_SECURITY"], config["SMTP_TIMEOUT"]

    def send(message: dict[str, Any]) -> None:
        email = build(message, config["MAIL_FROM"])
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

    return send


def file_sender(folder: Path, sender: str) -> Callable[[dict[str, Any]], None]:
    """Write each message as a .eml file (for development and for a newcomer to read)."""
    def send(message: dict[str, Any]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{message['id']:06d}-{message['kind']}.eml"
        partial = target.with_suffix(".tmp")
        partial.write_bytes(bytes(build(message, sender)))
        os.replace(partial, target)  # readers never see half a file

    return send


def sender_for(app) -> Callable[[dict[str, Any]], None]:
    if app.config["SMTP_HOST"]:
        return smtp_sender(app.config)
    return file_sender(Path(app.instance_path) / "outbox", app.config["MAIL_FROM"])
