"""Breach-notification rule sets: who must be told, by when, counted from which event (rules.md §5).

Each :class:`Regime` is one law (GDPR, NIS2, HIPAA, SEC Form 8-K, a US state's breach statute) with the
deadlines it sets. A :class:`Deadline` says whom to notify, from which event its clock starts (awareness,
discovery or the materiality determination), how long it runs (hours, calendar days or business days) and
when it is owed at all (a risk level, a number of people in the jurisdiction). :mod:`trustops.breach.clocks`
turns them into due times.

The EU and UK rows come from the legal texts. The US rows come from law-firm and compliance summaries,
not the statutes, and carry a ``verify`` note: re-check the statute before relying on one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from types import MappingProxyType

from trustops.enums import BreachRisk
from trustops.errors import InvalidInput


class ClockStart(StrEnum):
    """The event a deadline is counted from."""

    AWARE = "aware"  # GDPR, NIS2: reasonable certainty that personal data were compromised (EDPB 9/2022)
    DISCOVERED = "discovered"  # HIPAA and US state laws: the breach was (or should have been) known
    MATERIAL = "material"  # SEC Form 8-K Item 1.05: the incident was determined to be material


class Unit(StrEnum):
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    BUSINESS_DAYS = "business_days"


@dataclass(frozen=True)
class Deadline:
    """One notification one regime requires, and how its clock runs (see :func:`trustops.breach.clocks.due`)."""

    key: str  # unique across all regimes, e.g. "gdpr-art33"
    regime: str  # the Regime code
    recipient: str
    starts: ClockStart
    amount: int
    unit: Unit
    when: str  # in plain words, when it is owed
    min_people: int | None = None  # owed only when at least this many people in the jurisdiction (None: always)
    needs_risk: BreachRisk | None = None  # owed only at or above this risk
    calendar: str | None = None  # holidays calendar for business days: "US" or "US-VT" (country-subdivision)
    zone: str | None = None  # IANA zone the days are counted in; None: the organisation's zone
    end_of_day: time = time(23, 59, 59)  # day deadlines end at this local time
    below_people: int | None = None  # owed only when fewer than this many people (HIPAA's annual log)
    after_year_end: bool = False  # days counted from 31 December of the start's year (HIPAA's annual log)

    @property
    def rule(self) -> str:
        """The period in words, e.g. "72 hours after awareness"."""
        unit = self.unit.value.replace("_", " ")
        origin = "the end of the calendar year of discovery" if self.after_year_end else STARTS_WORDS[self.starts]
        return f"{self.amount} {unit} after {origin}"

    @property
    def condition(self) -> str:
        """The facts it depends on, in a few words ("" when always owed), e.g. "a high risk to people"."""
        parts = []
        if self.needs_risk is not None:
            parts.append(RISK_WORDS[self.needs_risk])
        if self.min_people is not None:
            parts.append(f"{self.min_people} or more people")
        if self.below_people is not None:
            parts.append(f"fewer than {self.below_people} people")
        return ", ".join(parts)


RISK_WORDS = {
    BreachRisk.UNLIKELY: "any breach",
    BreachRisk.RISK: "a risk to people",
    BreachRisk.HIGH: "a high risk to people",
}
STARTS_WORDS = {
    ClockStart.AWARE: "awareness",
    ClockStart.DISCOVERED: "discovery",
    ClockStart.MATERIAL: "the materiality determination",
}


@dataclass(frozen=True)
class Regime:
    code: str
    name: str
    trigger: str
    deadlines: tuple[Deadline, ...]
    content: tuple[str, ...]  # what a notice must contain
    exceptions: tuple[str, ...]
    phased_allowed: bool
    sources: tuple[str, ...]  # URLs / citations
    verify: str = ""


GDPR_TEXT = "https://eur-lex.europa.eu/eli/reg/2016/679/oj (Regulation (EU) 2016/679, Art. 33 and 34)"
EDPB_GUIDELINES = (
    "https://www.edpb.europa.eu/our-work-tools/our-documents/guidelines/"
    "guidelines-92022-personal-data-breach-notification-under_en (EDPB Guidelines 9/2022)"
)
ART33_CONTENT = (
    "the nature of the breach: categories and approximate numbers of data subjects and of records (Art. 33(3)(a))",
    "the name and contact details of the data protection officer or other contact point (Art. 33(3)(b))",
    "the likely consequences of the breach (Art. 33(3)(c))",
    "the measures taken or proposed, including to mitigate its possible adverse effects (Art. 33(3)(d))",
    "to the people affected (Art. 34(2)): the same (b), (c) and (d), in clear and plain language",
)
ART34_EXCEPTIONS = (
    "no notice to the authority when the breach is unlikely to result in a risk (Art. 33(1)); document it anyway "
    "(Art. 33(5))",
    "no notice to people when the data are unintelligible to anyone not authorised, e.g. encrypted with the key "
    "safe (Art. 34(3)(a))",
    "no notice to people when later measures make the high risk no longer likely (Art. 34(3)(b))",
    "a public communication instead when telling each person would take disproportionate effort (Art. 34(3)(c))",
)
US_STATE_VERIFY = "from law-firm and compliance summaries (rules.md §5); re-check the statute before relying on it"
US_STATE_CONTENT = (
    "what happened and when",
    "what personal information was involved",
    "what the organisation is doing",
    "what the person can do, with contact details for the credit bureaus and regulators where the state asks",
    "how to reach the organisation for more information",
)
LAW_ENFORCEMENT_DELAY = ("notice may be delayed while law enforcement says it would impede an investigation",)
ENCRYPTION_SAFE_HARBOUR = "encrypted data whose key was not taken are not a breach under the statute"


def _gdpr(code: str, prefix: str, name: str, authority: str, sources: tuple[str, ...]) -> Regime:
    return Regime(
        code=code,
        name=name,
        trigger="a breach of security leading to the destruction, loss, alteration, unauthorised disclosure of, or "
        "access to, personal data (Art. 4(12)), unless unlikely to result in a risk to people's rights and freedoms",
        deadlines=(
            Deadline(
                f"{prefix}-art33",
                code,
                authority,
                ClockStart.AWARE,
                72,
                Unit.HOURS,
                "if the breach is likely to result in a risk; later only with the reasons for the delay (Art. 33(1))",
                needs_risk=BreachRisk.RISK,
            ),
            Deadline(
                f"{prefix}-art34",
                code,
                "people affected",
                ClockStart.AWARE,
                72,
                Unit.HOURS,
                "if the breach is likely to result in a high risk: 'without undue delay' (Art. 34(1)); the 72 hours "
                "are trustops' target, not a statutory period",
                needs_risk=BreachRisk.HIGH,
            ),
        ),
        content=ART33_CONTENT,
        exceptions=ART34_EXCEPTIONS,
        phased_allowed=True,  # Art. 33(4): information may be provided in phases
        sources=sources,
    )


def _state(
    code: str,
    name: str,
    citation: str,
    days: int,
    *,
    authority: str | None = None,
    authority_days: int | None = None,
    authority_min: int | None = None,
    authority_when: str = "",
    extra: tuple[Deadline, ...] = (),
    note: str = "",
) -> Regime:
    """A US state breach statute: residents within ``days`` of discovery, and an authority when it asks."""
    prefix = code.lower()
    deadlines = [
        Deadline(
            f"{prefix}-residents",
            code,
            f"{name} residents affected",
            ClockStart.DISCOVERED,
            days,
            Unit.CALENDAR_DAYS,
            f"notice to residents within {days} days of discovery{note}",
        )
    ]
    if authority is not None:
        deadlines.append(
            Deadline(
                f"{prefix}-ag",
                code,
                authority,
                ClockStart.DISCOVERED,
                authority_days or days,
                Unit.CALENDAR_DAYS,
                authority_when or f"notice to the {authority}",
                min_people=authority_min,
            )
        )
    return Regime(
        code=code,
        name=f"{name} breach notification law",
        trigger="unauthorised acquisition of unencrypted computerised personal information of residents",
        deadlines=(*deadlines, *extra),
        content=US_STATE_CONTENT,
        exceptions=(ENCRYPTION_SAFE_HARBOUR, *LAW_ENFORCEMENT_DELAY),
        phased_allowed=False,
        sources=(citation,),
        verify=US_STATE_VERIFY,
    )


# The states whose statutes give residents 45 days (rules.md §5, "verify each").
FORTY_FIVE_DAY_STATES = {
    "US-OH": ("Ohio", "Ohio Rev. Code §1349.19"),
    "US-WI": ("Wisconsin", "Wis. Stat. §134.98"),
    "US-AL": ("Alabama", "Ala. Code §8-38-5"),
    "US-AZ": ("Arizona", "Ariz. Rev. Stat. §18-552"),
    "US-MD": ("Maryland", "Md. Code, Com. Law §14-3504"),
    "US-NM": ("New Mexico", "N.M. Stat. §57-12C-6"),
    "US-RI": ("Rhode Island", "R.I. Gen. Laws §11-49.3-4"),
    "US-TN": ("Tennessee", "Tenn. Code §47-18-2107"),
    "US-VT": ("Vermont", "9 V.S.A. §2435"),
    "US-OR": ("Oregon", "Or. Rev. Stat. §646A.604"),
    "US-IN": ("Indiana", "Ind. Code §24-4.9-3-3"),
}

VERMONT_AG = Deadline(
    "us-vt-ag",
    "US-VT",
    "Vermont Attorney General (preliminary notice)",
    ClockStart.DISCOVERED,
    14,
    Unit.BUSINESS_DAYS,
    "a preliminary notice to the Attorney General within 14 business days of discovery (9 V.S.A. §2435(b)(3))",
    calendar="US-VT",
    zone="America/New_York",
)


def _regimes() -> list[Regime]:
    regimes = [
        _gdpr(
            "EU-GDPR",
            "gdpr",
            "EU General Data Protection Regulation",
            "lead supervisory authority",
            (GDPR_TEXT, EDPB_GUIDELINES),
        ),
        _gdpr(
            "UK-GDPR",
            "uk-gdpr",
            "UK GDPR and Data Protection Act 2018",
            "Information Commissioner's Office",
            (
                "https://www.legislation.gov.uk/eur/2016/679/article/33 (UK GDPR Art. 33, 34)",
                "https://ico.org.uk/for-organisations/report-a-breach/personal-data-breach/",
            ),
        ),
        Regime(
            code="EU-NIS2",
            name="EU NIS2 Directive (incident reporting)",
            trigger="a significant incident at an essential or important entity (Art. 23(3)); runs alongside GDPR",
            deadlines=(
                Deadline(
                    "nis2-early-warning",
                    "EU-NIS2",
                    "CSIRT or competent authority (early warning)",
                    ClockStart.AWARE,
                    24,
                    Unit.HOURS,
                    "within 24 hours of becoming aware (Art. 23(4)(a))",
                ),
                Deadline(
                    "nis2-notification",
                    "EU-NIS2",
                    "CSIRT or competent authority (incident notification)",
                    ClockStart.AWARE,
                    72,
                    Unit.HOURS,
                    "within 72 hours of becoming aware (Art. 23(4)(b))",
                ),
                Deadline(
                    "nis2-final-report",
                    "EU-NIS2",
                    "CSIRT or competent authority (final report)",
                    ClockStart.AWARE,
                    30,
                    Unit.CALENDAR_DAYS,
                    "one month after the incident notification (Art. 23(4)(d)); trustops counts 30 calendar "
                    "days from awareness, never later than one month after a notification made in 72 hours",
                ),
            ),
            content=(
                "early warning: whether the incident is suspected to be unlawful or malicious, or could have a "
                "cross-border impact",
                "notification: an initial assessment, its severity and impact, and indicators of compromise",
                "final report: a detailed description, the likely root cause, the mitigation applied, any "
                "cross-border impact",
            ),
            exceptions=("an intermediate report replaces nothing: the final report is still owed (Art. 23(4)(c))",),
            phased_allowed=True,
            sources=("https://eur-lex.europa.eu/eli/dir/2022/2555/oj (Directive (EU) 2022/2555, Art. 23)",),
            verify="national transpositions may add to the periods; check the member state's law",
        ),
        Regime(
            code="US-HIPAA",
            name="HIPAA Breach Notification Rule",
            trigger="a breach of unsecured protected health information, presumed unless a four-factor risk "
            "assessment shows a low probability of compromise (45 CFR 164.402)",
            deadlines=(
                Deadline(
                    "us-hipaa-individuals",
                    "US-HIPAA",
                    "people affected",
                    ClockStart.DISCOVERED,
                    60,
                    Unit.CALENDAR_DAYS,
                    "without unreasonable delay, at most 60 calendar days after discovery (45 CFR 164.404(b))",
                ),
                Deadline(
                    "us-hipaa-media",
                    "US-HIPAA",
                    "prominent media outlets",
                    ClockStart.DISCOVERED,
                    60,
                    Unit.CALENDAR_DAYS,
                    "if more than 500 residents of one state or jurisdiction "
                    "(45 CFR 164.406); trustops compares the number entered for US-HIPAA",
                    min_people=501,
                ),
                Deadline(
                    "us-hipaa-hhs",
                    "US-HIPAA",
                    "HHS Secretary",
                    ClockStart.DISCOVERED,
                    60,
                    Unit.CALENDAR_DAYS,
                    "if 500 or more people: with the notice to individuals (45 CFR 164.408(b))",
                    min_people=500,
                ),
                Deadline(
                    "us-hipaa-hhs-log",
                    "US-HIPAA",
                    "HHS Secretary (annual log)",
                    ClockStart.DISCOVERED,
                    60,
                    Unit.CALENDAR_DAYS,
                    "if fewer than 500 people: within 60 days after the end of the "
                    "calendar year of discovery (45 CFR 164.408(c))",
                    below_people=500,
                    after_year_end=True,
                ),
            ),
            content=(
                "a brief description of what happened, with the dates of the breach and of its discovery",
                "the types of unsecured protected health information involved",
                "the steps people should take to protect themselves",
                "what the covered entity is doing to investigate, mitigate harm and prevent a recurrence",
                "contact procedures, including a toll-free number, an e-mail address, a website or a postal address",
            ),
            exceptions=(
                "secured PHI (encrypted or destroyed per HHS guidance) is not a breach",
                "a documented low probability of compromise after the four-factor assessment (45 CFR 164.402)",
                *LAW_ENFORCEMENT_DELAY,
            ),
            phased_allowed=False,
            sources=(
                "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-D (45 CFR 164.400-414)",
                "https://www.hhs.gov/hipaa/for-professionals/breach-notification/index.html",
            ),
            verify="keep breach records for 6 years (45 CFR 164.530(j))",
        ),
        Regime(
            code="US-SEC",
            name="SEC Form 8-K Item 1.05 (material cybersecurity incidents)",
            trigger="a cybersecurity incident the registrant determines to be material, a determination made "
            "without unreasonable delay after discovery",
            deadlines=(
                Deadline(
                    "sec-8k",
                    "US-SEC",
                    "SEC (Form 8-K)",
                    ClockStart.MATERIAL,
                    4,
                    Unit.BUSINESS_DAYS,
                    "within 4 business days of the materiality determination (Form 8-K General Instruction "
                    "B.1); filings after 17:30 Eastern count as filed the next business day "
                    "(17 CFR 232.13(a)(2))",
                    calendar="US",
                    zone="America/New_York",
                    end_of_day=time(17, 30),
                ),
            ),
            content=(
                "the material aspects of the nature, scope and timing of the incident",
                "its material impact or reasonably likely material impact, including on financial condition and "
                "results of operations",
                "an amendment for information not determined or unavailable at the time of filing",
            ),
            exceptions=(
                "delay only when the US Attorney General finds that disclosure poses a substantial risk to "
                "national security or public safety",
                "an incident not (yet) determined material may be disclosed under Item 8.01 instead (verify)",
            ),
            phased_allowed=True,  # an 8-K/A completes what was not known at filing
            sources=(
                "https://www.sec.gov/files/form8-k.pdf (Form 8-K, Item 1.05, General Instruction B.1)",
                "https://www.sec.gov/files/rules/final/2023/33-11216.pdf (Release 33-11216)",
                "https://www.ecfr.gov/current/title-17/chapter-II/part-232/subpart-A/section-232.13 (filing hours)",
            ),
            verify="business days skip federal holidays (5 U.S.C. 6103) as the 'holidays' package lists them",
        ),
        _state(
            "US-CA",
            "California",
            "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=CIV&sectionNum=1798.82 "
            "(Cal. Civ. Code §1798.82, as amended by SB 446 from 2026-01-01)",
            30,
            authority="California Attorney General",
            authority_days=45,
            authority_min=501,
            authority_when="if more than 500 California residents: within 15 days of notifying them, which "
            "trustops counts as 45 days from discovery",
            note=" (from 2026-01-01; before, 'the most expedient time possible')",
        ),
        _state(
            "US-NY",
            "New York",
            "N.Y. Gen. Bus. Law §899-aa (30 days since 2024-12-21)",
            30,
            authority="New York Attorney General, Department of State, State Police (and DFS for its licensees)",
            authority_when="notice to the state agencies; the statute sets no separate period, trustops uses "
            "the residents' 30 days",
        ),
        _state(
            "US-TX",
            "Texas",
            "https://statutes.capitol.texas.gov/Docs/BC/htm/BC.521.htm (Tex. Bus. & Com. Code §521.053)",
            60,
            authority="Texas Attorney General (online form)",
            authority_days=30,
            authority_min=250,
            authority_when="if 250 or more Texans: within 30 days of the determination",
        ),
        _state(
            "US-CO",
            "Colorado",
            "Colo. Rev. Stat. §6-1-716",
            30,
            authority="Colorado Attorney General",
            authority_min=500,
            authority_when="if 500 or more Coloradans: within 30 days",
        ),
        _state(
            "US-FL",
            "Florida",
            "Fla. Stat. §501.171",
            30,
            authority="Florida Department of Legal Affairs",
            authority_min=500,
            authority_when="if 500 or more Floridians: within 30 days (15 more for good cause)",
            note=" (15 more for good cause, in writing)",
        ),
        _state(
            "US-WA",
            "Washington",
            "Wash. Rev. Code §19.255.010",
            30,
            authority="Washington Attorney General",
            authority_min=501,
            authority_when="if more than 500 Washington residents: within 30 days",
        ),
        _state("US-ME", "Maine", "Me. Rev. Stat. tit. 10 §1348", 30),
        _state(
            "US-CT",
            "Connecticut",
            "Conn. Gen. Stat. §36a-701b",
            60,
            authority="Connecticut Attorney General",
            authority_when="notice to the Attorney General no later than to residents",
        ),
        _state(
            "US-DE",
            "Delaware",
            "Del. Code tit. 6 §12B-102",
            60,
            authority="Delaware Attorney General",
            authority_min=501,
            authority_when="if more than 500 Delaware residents: no later than to residents",
        ),
    ]
    for code, (name, citation) in FORTY_FIVE_DAY_STATES.items():
        extra = (VERMONT_AG,) if code == "US-VT" else ()
        regimes.append(_state(code, name, citation, 45, extra=extra))
    return regimes


REGIMES: Mapping[str, Regime] = MappingProxyType({r.code: r for r in _regimes()})
DEADLINES: Mapping[str, Deadline] = MappingProxyType({d.key: d for r in REGIMES.values() for d in r.deadlines})


def regime(code: str, *, field: str = "jurisdiction") -> Regime:
    """The regime with this code (case-insensitive); a clear error naming the field and the known codes."""
    found = REGIMES.get(code.strip().upper())
    if found is None:
        known = ", ".join(REGIMES)
        raise InvalidInput(f"{field}: {code!r} is not a known jurisdiction; known: {known}", field=field)
    return found


def deadline(key: str) -> Deadline:
    """The deadline with this key, e.g. "gdpr-art33"."""
    found = DEADLINES.get(key)
    if found is None:
        raise InvalidInput(
            f"deadline: {key!r} is not a known deadline; known: {', '.join(DEADLINES)}", field="deadline"
        )
    return found
