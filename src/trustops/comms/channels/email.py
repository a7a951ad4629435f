"""E-mail through the SMTP server of the installation's settings."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

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
        smtp_class = smtplib.SMTP_SSL if settings.smtp_port == 465 else smtplib.SMTP
        with smtp_class(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
            if settings.smtp_starttls and smtp_class is smtplib.SMTP:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):  # never fall back to plaintext when TLS was asked for
                    raise ChannelError(
                        f"SMTP {settings.smtp_host}:{settings.smtp_port} offers no STARTTLS; "
                        "set TRUSTOPS_SMTP_STARTTLS=false to send unencrypted",
                        permanent=True,
                    )
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(f"recipient refused: {exc.recipients}", permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc
