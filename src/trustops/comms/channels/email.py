"""E-mail through the SMTP server of the installation's settings."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from trustops import http
from trustops.comms.channels import ChannelError, Message
from trustops.config import Settings


def send(address: str, message: Message, settings: Settings) -> None:
    if not settings.smtp_host:
        raise ChannelError("e-mail route but TRUSTOPS_SMTP_HOST is not set", permanent=True)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = settings.smtp_from, address, message.subject
    mail.set_content(message.body)
    if message.headers:
        for name, value in message.headers.items():
            mail[name] = value
        # Folding at 78 turns a long <URL> into RFC 2047 encoded words, which List-Unsubscribe readers do
        # not decode (RFC 2369 wants the URL as it is); lines up to 998 are allowed (RFC 5322 §2.1.1).
        mail.policy = mail.policy.clone(max_line_length=998)
    try:
        implicit_tls = settings.smtp_port == 465
        with _connect(settings.smtp_host, settings.smtp_port, implicit_tls=implicit_tls) as smtp:
            if settings.smtp_starttls and not implicit_tls:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):  # never fall back to plaintext when TLS was asked for
                    raise ChannelError(
                        f"SMTP {settings.smtp_host}:{settings.smtp_port} offers no STARTTLS; "
                        "set TRUSTOPS_SMTP_STARTTLS=false to send unencrypted",
                        permanent=True,
                    )
                smtp.starttls(context=http.ssl_context())
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(f"recipient refused: {exc.recipients}", permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc


def _connect(host: str, port: int, *, implicit_tls: bool) -> smtplib.SMTP:
    if implicit_tls:
        # smtplib's own default for SMTP_SSL verifies nothing (ssl._create_stdlib_context): pass ours.
        return smtplib.SMTP_SSL(host, port, timeout=15, context=http.ssl_context())
    return smtplib.SMTP(host, port, timeout=15)
