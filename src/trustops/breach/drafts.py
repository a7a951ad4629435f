"""Breach notices, ready to paste: to the supervisory authority, to the people affected, to the public.

Each draft comes with what it still lacks (:class:`Missing`: the item the law asks for, the field to fill,
a hint) and, for texts to people, the EAR lint of the communication capability (:func:`trustops.comms.ear.
lint`), the same check ``trustops comms lint-email`` runs. Whatever is still unknown becomes a bracketed
prompt in the text, which the lint reports, so a notice to people never passes with a gap left in it.

- :func:`regulator_draft`: GDPR Art. 33(3) contents (a)-(d); after 72 hours from awareness the reasons for the
  delay (Art. 33(1)) from the case log's DELAY entries; information may follow in phases (Art. 33(4)).
- :func:`individuals_notice`: GDPR Art. 34(2), clear and plain language, the nature of the breach and
  Art. 33(3)(b)-(d), with what people can do to protect themselves.
- :func:`us_notice`: California Civ. Code §1798.82(d): titled "Notice of Data Breach", with its five headings.
- :func:`public_notice`: GDPR Art. 34(3)(c), a public communication when telling each person would take a
  disproportionate effort.
- :func:`transparency_report`: the security improvements made since, with no personal data and no internal
  host names.

Sources: Regulation (EU) 2016/679 Art. 33 and 34 (https://eur-lex.europa.eu/eli/reg/2016/679/oj); California
Civil Code §1798.82 (https://leginfo.legislature.ca.gov, verify the headings, rules.md §5).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from trustops.breach.advice import FINANCIAL_DATA, IDENTITY_DATA, category_key, category_words
from trustops.breach.models import BreachCase, BreachLogEntry
from trustops.catalog.schema import OrganisationSpec
from trustops.clock import as_utc
from trustops.comms.ear import LintReport, lint, lint_update
from trustops.comms.ear_phrases import INTERNAL_DETAIL
from trustops.enums import BreachLogKind, BreachRole
from trustops.listen.redact import PLACEHOLDERS, redact

EmailLint = LintReport  # the report ``trustops comms lint-email`` prints

ART33_ITEMS: tuple[tuple[str, str], ...] = (
    (
        "a",
        "describe the nature of the personal data breach including where possible, the categories and "
        "approximate number of data subjects concerned and the categories and approximate number of personal "
        "data records concerned",
    ),
    (
        "b",
        "communicate the name and contact details of the data protection officer or other contact point where "
        "more information can be obtained",
    ),
    ("c", "describe the likely consequences of the personal data breach"),
    (
        "d",
        "describe the measures taken or proposed to be taken by the controller to address the personal data "
        "breach, including, where appropriate, measures to mitigate its possible adverse effects",
    ),
)
ART33_LABELS = {
    "a": "Art. 33(3)(a): nature of the breach, categories and approximate numbers of people and records",
    "b": "Art. 33(3)(b): name and contact details of the DPO or other contact point",
    "c": "Art. 33(3)(c): likely consequences of the breach",
    "d": "Art. 33(3)(d): measures taken or proposed, including mitigation",
}
# The deadlines Art. 33 sets (trustops.breach.jurisdictions): EU GDPR and UK GDPR.
ART33_DEADLINES = ("gdpr-art33", "uk-gdpr-art33")
US_HEADINGS = (
    "What Happened",
    "What Information Was Involved",
    "What We Are Doing",
    "What You Can Do",
    "For More Information",
)  # Cal. Civ. Code §1798.82(d)(1) (rules.md §5: verify the headings)
WITHHELD = "(withheld)"

# What people can do, by the kind of data exposed. Sources: ICO, "Personal data breaches: a guide" (tell people
# how to protect themselves), https://ico.org.uk/for-organisations/report-a-breach/personal-data-breach/; FTC,
# "Data Breach Response: A Guide for Business", https://www.ftc.gov/business-guidance/resources/
# data-breach-response-guide-business (verify); EDPB Guidelines 9/2022 (advice to the people affected).
STEPS_PASSWORD = (
    "Change your password with us, and anywhere else you used the same password. A password manager helps you "
    "use a different one everywhere."
)
STEPS_PHISHING = (
    "Be careful with e-mails, calls and texts that claim to come from us. We will never ask you for your password."
)
STEPS_FINANCIAL = (
    "Watch your bank and card statements for payments you do not recognise. Call your bank at once if you find one."
)
STEPS_IDENTITY = (
    "Watch for letters about loans, accounts or benefits you did not apply for. These can be a sign that someone "
    "is using your identity."
)
STEPS_GENERAL = "Stay alert to messages that mention the data listed above."
# US notices add the consumer-protection steps of the FTC (https://www.identitytheft.gov, verify).
STEPS_US = (
    "You can get a free credit report from each of the three credit bureaus at www.annualcreditreport.com.",
    "You can place a free fraud alert or a security freeze on your credit file with each credit bureau.",
    "If you think someone is using your identity, report it at www.identitytheft.gov.",
)
# §1798.82(d)(2)(F): the bureaus' toll-free numbers and addresses when an SSN, driver's licence or California ID
# number was exposed. From each bureau's contact page (equifax.com, experian.com, transunion.com): verify before
# sending.
CREDIT_BUREAUS = (
    "Equifax: 1-800-685-1111, P.O. Box 740241, Atlanta, GA 30374",
    "Experian: 1-888-397-3742, P.O. Box 9554, Allen, TX 75013",
    "TransUnion: 1-888-909-8872, P.O. Box 2000, Chester, PA 19016",
)
BUREAU_DATA = frozenset(
    {"ssn", "social_security_number", "national_id", "driving_licence", "drivers_license", "driver_license", "id_card"}
)


@dataclass(frozen=True)
class Missing:
    item: str  # what the law or the notice asks for, e.g. "Art. 33(3)(b): name and contact details of the DPO…"
    field: str  # where to fill it, e.g. "organisation.dpo_contact" or "case.consequences"
    hint: str


@dataclass(frozen=True)
class Draft:
    kind: str  # "regulator" | "individuals" | "us-individuals" | "public" | "transparency"
    title: str
    text: str
    missing: tuple[Missing, ...]  # empty: complete
    lint: EmailLint | None  # the EAR lint, for texts to people (the update lint for the public report)

    @property
    def complete(self) -> bool:
        return not self.missing


# -- completeness ------------------------------------------------------------------------------------------


def completeness(
    case: BreachCase, organisation: OrganisationSpec, *, now: datetime | None = None
) -> tuple[Missing, ...]:
    """What a notification to the supervisory authority still lacks, one :class:`Missing` per gap.

    Art. 33(3) (a)-(d), each naming the item and the field to fill, and the authority it goes to (Art. 33(1)).
    With ``now``, a notification made after 72 hours from awareness also needs the reasons for the delay
    (Art. 33(1)) in a DELAY log entry.
    """
    missing = [*_art33_missing(case, organisation)]
    if not organisation.lead_authority.strip():
        missing.append(
            Missing(
                "Art. 33(1): the competent supervisory authority (Art. 55, 56)",
                "organisation.lead_authority",
                "Name the lead supervisory authority in the catalog's organisation section, e.g. the ICO.",
            )
        )
    if now is not None and _late(case, organisation, now) and not _delay_reasons(case):
        missing.append(_MISSING_DELAY)
    return tuple(missing)


def _art33_missing(case: BreachCase, organisation: OrganisationSpec) -> list[Missing]:
    a = ART33_LABELS["a"]
    found = []
    if not case.nature.strip():
        found.append(Missing(a, "case.nature", "Describe what happened: how the data were exposed, and to whom."))
    if not case.data_categories:
        found.append(Missing(a, "case.data_categories", "List the categories of personal data, e.g. email."))
    if case.people is None:
        found.append(Missing(a, "case.people", "Give the approximate number of people concerned."))
    if case.records is None:
        found.append(Missing(a, "case.records", "Give the approximate number of personal data records concerned."))
    if not organisation.dpo_contact.strip():
        found.append(
            Missing(
                ART33_LABELS["b"],
                "organisation.dpo_contact",
                "Give the DPO's (or another contact point's) name and contact details in the catalog.",
            )
        )
    if not (case.consequences.strip() or _entries(case, BreachLogKind.EFFECT)):
        found.append(
            Missing(ART33_LABELS["c"], "case.consequences", "Describe the likely consequences for the people affected.")
        )
    if not (case.measures_taken.strip() or case.measures_proposed.strip() or _measures(case)):
        found.append(
            Missing(
                ART33_LABELS["d"],
                "case.measures_taken",
                "Describe what was done or is planned to address the breach and to mitigate its effects.",
            )
        )
    return found


_MISSING_DELAY = Missing(
    "Art. 33(1): reasons for the delay (notified after 72 hours from awareness)",
    "log (kind delay)",
    "Add a log entry of kind 'delay' naming the deadline and saying why the notification is late.",
)


# -- the regulator draft -----------------------------------------------------------------------------------


def regulator_draft(case: BreachCase, organisation: OrganisationSpec, *, now: datetime) -> Draft:
    """The notification to the supervisory authority with the Art. 33(3) contents, in Markdown.

    Unknown items are marked as to follow (Art. 33(4)); after the 72 hours a "reasons for the delay" section
    quotes the DELAY log entries, or the draft lacks them.
    """
    now = as_utc(now)
    zone = ZoneInfo(organisation.time_zone)
    missing = completeness(case, organisation, now=now)
    to_follow = [m.item for m in missing if m.item.startswith("Art. 33(3)")]
    authority = organisation.lead_authority.strip() or "[the lead supervisory authority]"
    lines = [
        f"# Personal data breach notification: {organisation.name}",
        "",
        f"To: {authority}",
        f"Date: {_when(now, zone)}",
        f"Our reference: breach case {case.id}" if case.id else "",
        "",
        "## Controller and contact point (Art. 33(3)(b))",
        "",
        f"Controller: {organisation.name}",
        f"Data protection officer or contact point: {_or_follow(organisation.dpo_contact, 'b')}",
        "",
        "## Timeline",
        "",
        *_timeline(case, zone),
        "",
        "## Nature of the breach (Art. 33(3)(a))",
        "",
        _sentence(case.nature) or _follow("a"),
        "",
        f"- Categories of personal data: {', '.join(category_words(case.data_categories)) or _follow('a')}",
        f"- Approximate number of people concerned: {_count(case.people)}",
        f"- Approximate number of records concerned: {_count(case.records)}",
        *_jurisdiction_lines(case),
        "",
        "## Likely consequences (Art. 33(3)(c))",
        "",
        *_paragraphs(case.consequences, _entries(case, BreachLogKind.EFFECT), zone, empty=_follow("c")),
        "",
        "## Measures taken or proposed (Art. 33(3)(d))",
        "",
        *_measure_lines(case, zone),
        "",
        "## Communication to the people affected (Art. 34)",
        "",
        _people_decision(case),
    ]
    if _late(case, organisation, now):
        lines += ["", "## Reasons for the delay (Art. 33(1))", "", *_delay_lines(case, zone)]
    if to_follow:
        lines += [
            "",
            "## Information to follow (Art. 33(4))",
            "",
            "Where it is not possible to provide all the information at the same time, Art. 33(4) allows it in "
            "phases without undue further delay. Still to follow: " + "; ".join(dict.fromkeys(to_follow)) + ".",
        ]
    text = "\n".join(line for i, line in enumerate(lines) if line or (i and lines[i - 1])).strip() + "\n"
    return Draft("regulator", f"Personal data breach notification: {organisation.name}", text, missing, None)


def _follow(item: str) -> str:
    return f"[Not yet known: to follow under Art. 33(4) ({ART33_LABELS[item].split(':')[0]})]"


def _or_follow(text: str, item: str) -> str:
    return text.strip() or _follow(item)


def _count(value: int | None) -> str:
    return f"about {value:,}" if value is not None else _follow("a")


def _timeline(case: BreachCase, zone: ZoneInfo) -> list[str]:
    rows = [
        ("Became aware", case.aware_at),
        ("Discovered", case.discovered_at),
        ("Breach began", case.occurred_from),
        ("Breach ended", case.occurred_until),
        ("Contained", case.contained_at),
    ]
    lines = [f"- {label}: {_when(at, zone)}" for label, at in rows if at is not None]
    if case.occurred_from is None:
        lines.append("- When the breach began: not yet known")
    if case.contained_at is None:
        lines.append("- Contained: not yet")
    return lines


def _jurisdiction_lines(case: BreachCase) -> list[str]:
    counts = case.people_by_jurisdiction or {}
    if not counts:
        return []
    return ["- People concerned by jurisdiction: " + ", ".join(f"{code} about {n:,}" for code, n in counts.items())]


def _measure_lines(case: BreachCase, zone: ZoneInfo) -> list[str]:
    lines = []
    if case.measures_taken.strip():
        lines += ["Taken:", "", _sentence(case.measures_taken), ""]
    if case.measures_proposed.strip():
        lines += ["Proposed:", "", _sentence(case.measures_proposed), ""]
    logged = [(at, text) for at, text in _measures(case)]
    if logged:
        lines += ["Remedial action recorded in our breach log:", ""]
        lines += [f"- {_when(at, zone)}: {text}" for at, text in logged]
    return lines or [_follow("d")]


def _people_decision(case: BreachCase) -> str:
    decisions = _entries(case, BreachLogKind.DECISION)
    if decisions:
        return " ".join(_sentence(e.text) for e in decisions)
    if case.risk is None:
        return "The risk to the people affected is still being assessed."
    return f"Our assessment of the risk to the people affected: {case.risk.value}."


def _delay_lines(case: BreachCase, zone: ZoneInfo) -> list[str]:
    reasons = _delay_reasons(case)
    if not reasons:
        return ["[Give the reasons for the delay: add a log entry of kind 'delay']"]
    return [f"- {_when(e.at, zone)}: {e.text}" for e in reasons]


def _late(case: BreachCase, organisation: OrganisationSpec, now: datetime) -> bool:
    """Whether the notification to the authority is (or was) made after its 72 hours (Art. 33(1))."""
    from trustops.breach.clocks import ClockState, case_clocks, due
    from trustops.breach.jurisdictions import deadline

    for clock in case_clocks(case, organisation, now=now):
        if clock.deadline.key in ART33_DEADLINES and clock.due_at is not None:
            return clock.state in (ClockState.MET_LATE, ClockState.OVERDUE)
    # No GDPR jurisdiction recorded (or its risk not yet assessed): the Art. 33 rule still gives the due time.
    due_at, _ = due(deadline(ART33_DEADLINES[0]), case.aware_at, org_zone=ZoneInfo(organisation.time_zone))
    sent = [as_utc(n.sent_at) for n in case.notifications if n.deadline in ART33_DEADLINES]
    return (min(sent) if sent else as_utc(now)) > due_at


def _delay_reasons(case: BreachCase) -> list[BreachLogEntry]:
    return [
        e
        for e in case.log
        if e.kind == BreachLogKind.DELAY and (e.data or {}).get("deadline") in (None, *ART33_DEADLINES)
    ]


# -- notices to people -------------------------------------------------------------------------------------


def individuals_notice(case: BreachCase, organisation: OrganisationSpec) -> Draft:
    """The notice to the people affected (GDPR Art. 34(2)), run through the EAR lint."""
    subject = f"A data breach at {organisation.name} affected your personal data"
    intro = (
        f"We are writing to tell you that a data breach at {organisation.name} affected your personal data. "
        "We are sorry. This was our fault."
    )
    body = _people_text(case, organisation, intro=intro, headings=_EU_HEADINGS, us=False)
    missing = _people_missing(case, organisation, "Art. 34(2)")
    return Draft("individuals", subject, body, tuple(missing), _lint(body, subject, case))


def public_notice(case: BreachCase, organisation: OrganisationSpec) -> Draft:
    """A public communication instead of individual notices (GDPR Art. 34(3)(c)), run through the EAR lint."""
    subject = f"A data breach at {organisation.name}: what happened and what you can do"
    intro = (
        f"If you have an account with {organisation.name}, a data breach may have affected your personal data. "
        "We are telling everyone here because we cannot reach each person directly. We are sorry. This was our "
        "fault."
    )
    body = _people_text(case, organisation, intro=intro, headings=_EU_HEADINGS, us=False)
    missing = _people_missing(case, organisation, "Art. 34(3)(c)")
    if not case.disproportionate_effort:
        missing.append(
            Missing(
                "Art. 34(3)(c): a public communication replaces individual notices only when telling each person "
                "would involve disproportionate effort",
                "case.disproportionate_effort",
                "Record why telling each person is disproportionate, or send the individual notice as well.",
            )
        )
    return Draft("public", subject, body, tuple(missing), _lint(body, subject, case))


def us_notice(case: BreachCase, organisation: OrganisationSpec, *, now: datetime | None = None) -> Draft:
    """The US notice, titled "Notice of Data Breach" with the five headings of Cal. Civ. Code §1798.82(d)(1).

    ``now`` dates the notice (§1798.82(d)(2)(C)); it defaults to the current time.
    """
    from trustops import clock

    zone = ZoneInfo(organisation.time_zone)
    dated = as_utc(now) if now is not None else clock.now()
    intro = (
        f"Date of this notice: {_day(dated, zone)}.\n\n"
        f"We are writing to tell you about a data breach at {organisation.name} that involved your personal "
        "information. We are sorry. This was our fault."
    )
    body = _people_text(case, organisation, intro=intro, headings=US_HEADINGS, us=True)
    body = f"Notice of Data Breach\n\n{body}"
    missing = _people_missing(case, organisation, "Cal. Civ. Code §1798.82(d)(2)")
    if case.occurred_from is None:
        missing.append(
            Missing(
                "Cal. Civ. Code §1798.82(d)(2)(C): the date, estimated date or date range of the breach",
                "case.occurred_from",
                "Give when the breach began (and ended), if it can be determined.",
            )
        )
    if _bureaus_owed(case):
        missing.append(
            Missing(
                "Cal. Civ. Code §1798.82(d)(2)(G): an offer of identity theft prevention and mitigation services at "
                "no cost for at least 12 months (verify)",
                "notice text (enrolment details)",
                "Replace the bracketed prompt with how to enrol: the web address, the code and the last day.",
            )
        )
    return Draft("us-individuals", "Notice of Data Breach", body, tuple(missing), _lint(body, "", case))


_EU_HEADINGS = (
    "What happened",
    "What information was involved",
    "What this could mean for you",
    "What we have done",
    "What you can do",
    "How to reach us",
)


def _people_text(
    case: BreachCase, organisation: OrganisationSpec, *, intro: str, headings: Sequence[str], us: bool
) -> str:
    """The body of a notice to people: the sections of Art. 34(2), or of §1798.82(d) when ``us``."""
    zone = ZoneInfo(organisation.time_zone)
    data = "personal information" if us else "personal data"
    consequences = (
        _sentence(case.consequences)
        if case.consequences.strip()
        else "[Say what the breach could mean for the people affected]"
    )
    happened = [
        _sentence(case.nature) if case.nature.strip() else "[Describe in plain words what happened]",
        _window(case, zone),
        f"We failed to keep your {data} safe.",
    ]
    if us:  # §1798.82 has no heading of its own for the consequences
        happened += [_law_enforcement(case), consequences]
    involved = (
        f"The breach involved your {_join(category_words(case.data_categories))}."
        if case.data_categories
        else "[List the kinds of personal data involved]"
    )
    steps = "\n".join(f"- {s}" for s in _steps(case, us=us))
    done = " ".join(_done(case, zone))
    texts = [" ".join(happened), involved, consequences, done, steps, _contact(organisation)]
    if us:
        texts.remove(consequences)
    sections = zip(headings, texts, strict=True)
    body = "\n\n".join(f"{title}\n{text}" for title, text in sections)
    return f"Dear customer,\n\n{intro}\n\n{body}\n\n{organisation.name}\n"


def _done(case: BreachCase, zone: ZoneInfo) -> list[str]:
    done = []
    if case.contained_at is not None:
        done.append(f"On {_day(case.contained_at, zone)}, we fixed the gap that allowed this breach.")
    if case.measures_taken.strip():
        done.append(_sentence(case.measures_taken))
    if case.measures_proposed.strip():
        done.append(f"What we are changing so that this cannot happen again: {_sentence(case.measures_proposed)}")
    if not (case.measures_taken.strip() or case.measures_proposed.strip()):
        done.append("[Say what we did to stop the breach and what we are changing so that it cannot happen again]")
    return done


def _steps(case: BreachCase, *, us: bool) -> list[str]:
    keys = {category_key(c) for c in case.data_categories or ()}
    steps = []
    if keys & {"password", "passwords", "credentials"}:
        steps.append(STEPS_PASSWORD)
    if keys & {"email", "email_address", "phone", "phone_number"}:
        steps.append(STEPS_PHISHING)
    if keys & FINANCIAL_DATA:
        steps.append(STEPS_FINANCIAL)
    if keys & IDENTITY_DATA or {"date_of_birth", "name"} <= keys:
        steps.append(STEPS_IDENTITY)
    if not steps:
        steps.append(STEPS_GENERAL)
    if us:
        steps += STEPS_US
        if _bureaus_owed(case):
            steps.append("You can reach the credit bureaus here: " + "; ".join(CREDIT_BUREAUS) + ".")
            steps.append(
                "We are offering you identity theft protection at no cost for at least 12 months. "
                "[How to enrol: the web address, your code and the last day to sign up]"
            )
    return steps


def _contact(organisation: OrganisationSpec) -> str:
    contact = organisation.dpo_contact.strip() or "[The name and contact details of our data protection officer]"
    return (
        "We understand that this news is worrying. If you have questions, please contact us. Our data protection "
        f"officer will answer: {contact}."
    )


def _law_enforcement(case: BreachCase) -> str:
    """§1798.82(d)(2)(D): whether the notice was delayed by a law enforcement investigation (a DELAY log entry
    with ``data["law_enforcement"]``)."""
    delayed = [e for e in case.log if e.kind == BreachLogKind.DELAY and (e.data or {}).get("law_enforcement")]
    if delayed:
        return "We sent this notice later than we would have, at the request of law enforcement."
    return "A law enforcement investigation did not delay this notice."


def _bureaus_owed(case: BreachCase) -> bool:
    keys = {category_key(c) for c in case.data_categories or ()}
    return bool(keys & BUREAU_DATA)


def _people_missing(case: BreachCase, organisation: OrganisationSpec, law: str) -> list[Missing]:
    found = []
    if not case.nature.strip():
        found.append(
            Missing(f"{law}: the nature of the breach, in plain language", "case.nature", "Say what happened.")
        )
    if not case.data_categories:
        found.append(
            Missing(f"{law}: the kinds of personal data involved", "case.data_categories", "List the categories.")
        )
    if not organisation.dpo_contact.strip():
        found.append(
            Missing(
                f"{law} with Art. 33(3)(b): the DPO or another contact point",
                "organisation.dpo_contact",
                "Give the DPO's name and contact details in the catalog.",
            )
        )
    if not case.consequences.strip():
        found.append(
            Missing(
                f"{law} with Art. 33(3)(c): the likely consequences",
                "case.consequences",
                "Say what the breach could mean for the people affected.",
            )
        )
    if not (case.measures_taken.strip() or case.measures_proposed.strip()):
        found.append(
            Missing(
                f"{law} with Art. 33(3)(d): the measures taken or proposed",
                "case.measures_taken",
                "Say what was done to stop the breach and what will change.",
            )
        )
    return found


def _lint(body: str, subject: str, case: BreachCase) -> LintReport:
    # While the breach is not contained, any promised fix time is a guess (rules.md §1: no ETAs).
    return lint(body, subject=subject, incident_open=case.contained_at is None)


# -- support checklist -------------------------------------------------------------------------------------


def support_checklist(case: BreachCase) -> tuple[str, ...]:
    """What the dedicated, high-empathy support channel needs before the first notice goes out.

    Sources: ICO personal data breaches guide (help for the people affected, keep evidence of communications);
    FTC Data Breach Response guide (a contact point people can use; verify); rules.md §3 (the EAR language:
    empathy, no blame, no boilerplate) and the marketing guard (no promotions during a breach).
    """
    keys = {category_key(c) for c in case.data_categories or ()}
    people = f"the {case.people:,} people" if case.people is not None else "everyone"
    items = [
        "A dedicated channel: its own phone line, e-mail address and web page, apart from the normal queue, "
        "named in every notice.",
        f"Staffing sized for {people} notified, ready before the first notice goes out, with longer opening hours "
        "for the first week.",
        "A call script in plain language: listen first, say sorry once and mean it, say what happened and what we "
        "did, and never blame the caller, a supplier or the attacker.",
        "An FAQ that matches the notice word for word on the facts: what happened, what data, what we did, what "
        "people can do, how to reach the data protection officer.",
        "An escalation path: requests to see or delete data (GDPR Art. 15, 17) and complaints go to the data "
        "protection officer; press calls go to PR; signs of fraud go to the security team.",
        "No upsell and no promotions: agents offer no products, discounts or vouchers, and marketing pauses "
        "campaigns to the people affected.",
        "Safe identity checks: never ask callers to confirm the data that leaked (full card numbers, passwords, "
        "identity numbers); tell them we will never ask for their password.",
        "Agents trained on the compensation on offer (identity protection, the transparency report) and how to "
        "enrol, with no conditions attached.",
        "A record of contacts by theme (fraud seen, worry, complaints), without message bodies, kept as evidence "
        "of communications and for the follow-up report to the authority.",
        "Accessible help: written and phone options, and the languages of the countries notified.",
    ]
    if keys & FINANCIAL_DATA:
        items.append("Payment data: a script for callers who see a payment they do not recognise (call the bank).")
    if keys & IDENTITY_DATA or {"date_of_birth", "name"} <= keys:
        items.append("Identity data: a script for fraud alerts, credit freezes and reporting identity theft.")
    if keys & {"password", "passwords", "credentials"}:
        items.append("Passwords: a guided password reset and help for callers locked out of their account.")
    return tuple(items)


# -- transparency report -----------------------------------------------------------------------------------


def transparency_report(case: BreachCase, organisation: OrganisationSpec, *, now: datetime) -> Draft:
    """A public report of the security improvements made since the breach.

    It is built from the case's MEASURE log entries and the IT tasks that are done, never from facts, effects
    or notes; every text passes through :func:`trustops.listen.redact.redact` and the internal-detail patterns
    of the EAR lint, so no e-mail address, card or identity number, IP address or internal host name is
    published. Actors and people counts are left out. What is not done yet is listed as in progress.
    """
    zone = ZoneInfo(organisation.time_zone)
    aware = as_utc(case.aware_at).astimezone(zone)
    title = f"Security improvements since the data breach of {aware:%B %Y}"
    changed = _improvements(case)
    pending = [t for t in case.tasks if t.role is BreachRole.IT and t.done_at is None]
    lines = [
        f"# {title}",
        "",
        f"{organisation.name}, {_day(as_utc(now), zone)}",
        "",
        f"On {_day(case.aware_at, zone)}, we became aware of a data breach at {organisation.name}"
        + (f" that involved {_join(category_words(case.data_categories))}." if case.data_categories else "."),
        "We promised to tell you what we would change. This report lists what we have done since, and what is "
        "still in progress.",
        "",
        "## What we have changed",
        "",
        *([f"- {_day(at, zone)}: {text}" for at, text in changed] or ["Nothing is complete yet."]),
        "",
        "## Still in progress",
        "",
        *([f"- {_public(t.title)}" for t in pending] or ["Nothing: every improvement we planned is complete."]),
    ]
    if organisation.dpo_contact.strip():
        # Art. 37(7): the DPO's contact details are published anyway.
        lines += ["", "## Questions", "", f"Our data protection officer: {organisation.dpo_contact.strip()}"]
    text = "\n".join(lines) + "\n"
    missing: tuple[Missing, ...] = ()
    if not changed:
        missing = (
            Missing(
                "Completed security improvements",
                "log (kind measure)",
                "Record what was changed as a log entry of kind 'measure', or complete an IT task.",
            ),
        )
    return Draft("transparency", title, text, missing, lint_update(text))


def _improvements(case: BreachCase) -> list[tuple[datetime, str]]:
    """Done IT tasks and MEASURE entries, oldest first, as public text. Plans (``measures_proposed``) and the
    log lines of done tasks (listed through the tasks themselves) are left out."""
    found = [(as_utc(t.done_at), _public(t.title)) for t in case.tasks if t.role is BreachRole.IT and t.done_at]
    for entry in _entries(case, BreachLogKind.MEASURE):
        data = entry.data or {}
        if "task_id" in data or data.get("field") == "measures_proposed":
            continue
        text = str(data.get("new") or "") if data.get("field") == "measures_taken" else entry.text
        if text.strip():
            found.append((as_utc(entry.at), _public(text)))
    return sorted(found, key=lambda pair: pair[0])


_REDACTED = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


def _public(text: str) -> str:
    """``text`` with personal data and internal detail (host names, addresses, traces) withheld."""
    cleaned = _REDACTED.sub(WITHHELD, redact(text).text)
    spans = sorted(m.span() for pattern in INTERNAL_DETAIL.patterns for m in pattern.finditer(cleaned))
    merged: list[list[int]] = []
    for start, end in spans:  # "db-01.corp.internal" matches two patterns: withhold it once, whole
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        cleaned = cleaned[:start] + WITHHELD + cleaned[end:]
    return _sentence(cleaned)


# -- helpers -----------------------------------------------------------------------------------------------


def _entries(case: BreachCase, kind: BreachLogKind) -> list[BreachLogEntry]:
    return [e for e in case.log if e.kind == kind]


def _measures(case: BreachCase) -> list[tuple[datetime, str]]:
    """MEASURE log entries as (time, text), leaving out the change records of the measures fields."""
    return [
        (as_utc(e.at), e.text) for e in case.log if e.kind == BreachLogKind.MEASURE and "field" not in (e.data or {})
    ]


def _paragraphs(text: str, entries: Iterable[BreachLogEntry], zone: ZoneInfo, *, empty: str) -> list[str]:
    lines = [_sentence(text)] if text.strip() else []
    logged = [f"- {_when(e.at, zone)}: {e.text}" for e in entries]
    if logged:
        lines += ["", "Recorded in our breach log:", "", *logged]
    return lines or [empty]


def _window(case: BreachCase, zone: ZoneInfo) -> str:
    start, end = case.occurred_from, case.occurred_until
    found = f"We found out on {_day(case.aware_at, zone)}."
    if start is not None and end is not None:
        return f"It happened between {_day(start, zone)} and {_day(end, zone)}. {found}"
    if start is not None:
        return f"It began on {_day(start, zone)}. {found}"
    return found


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def _day(at: datetime, zone: ZoneInfo) -> str:
    """ "Monday 2 March 2026", in the organisation's time zone."""
    local = as_utc(at).astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y}"


def _when(at: datetime, zone: ZoneInfo) -> str:
    """ "2026-03-02 14:05 CET (13:05 UTC)": local time first, then UTC."""
    utc = as_utc(at)
    local = utc.astimezone(zone)
    if local.utcoffset() == utc.utcoffset():
        return f"{utc:%Y-%m-%d %H:%M} UTC"
    return f"{local:%Y-%m-%d %H:%M %Z} ({utc:%H:%M} UTC)"
