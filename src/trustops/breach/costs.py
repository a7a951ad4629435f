"""What a data breach may cost: ranges from documented assumptions, never a single figure.

Every figure below is an assumption with its source, and every result is a range rounded to two significant
figures: a breach estimate with five significant figures would claim a precision nobody has. Published
benchmarks are quoted from secondary reading and marked "verify"; trustops' own assumptions say so.

Lines of the estimate (each a low-high range in US dollars):

1. **Notice and support line**: people told × the cost of telling one person and answering their call.
2. **Identity and credit protection**: people × the cost per person of the protection the compensation
   advice recommends (:mod:`trustops.breach.advice`), priced as if everyone enrols.
3. **Investigation, response and lost business**: records × IBM's per-record cost.
4. **Statutory damages (CCPA)**: California residents × $100-$750 (Cal. Civ. Code §1798.150(a)(1)(A)).

The GDPR fine ceiling (Art. 83(4)) is an *exposure*, in euros and dependent on turnover: it is listed apart
and never added to the total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trustops.errors import InvalidInput

if TYPE_CHECKING:
    from trustops.breach.advice import Advice
    from trustops.breach.models import BreachCase

USD = "USD"
EUR = "EUR"
CALIFORNIA = "US-CA"
GDPR_REGIMES = ("EU-GDPR", "UK-GDPR")
# Beyond this many records IBM's per-record figures are not measured (mega breaches are studied apart).
PER_RECORD_STUDIED_UP_TO = 100_000


@dataclass(frozen=True)
class Range:
    """A low-high amount and the assumption behind it, in words, with its source."""

    low: float
    high: float
    currency: str
    basis: str

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError(f"Range: low {self.low} is above high {self.high}")

    def times(self, factor: float, basis: str | None = None) -> Range:
        """This range for ``factor`` units, rounded to two significant figures."""
        return Range(round_2sf(self.low * factor), round_2sf(self.high * factor), self.currency, basis or self.basis)

    @property
    def text(self) -> str:
        """ "USD 60-720", "USD 1.2 million-4.9 million"."""
        return f"{self.currency} {_amount(self.low)}–{_amount(self.high)}"


@dataclass(frozen=True)
class CostEstimate:
    lines: tuple[tuple[str, Range], ...]
    total: Range  # the sum of the lines, in US dollars
    assumptions: tuple[str, ...]
    exposures: tuple[tuple[str, Range], ...] = ()  # legal ceilings, not forecasts; never in the total


# -- the assumptions, each with its source ---------------------------------------------------------------

NOTICE_PER_PERSON = Range(
    0.5,
    5.0,
    USD,
    "trustops assumption, not from a study: an e-mail notice and a share of a support line at the low end, a "
    "posted letter and a staffed call centre at the high end; replace with your printer's and call centre's quotes",
)
PROTECTION_PER_PERSON_YEAR = Range(
    30,
    240,
    USD,
    "trustops assumption: breach-response contracts for identity and credit protection are bulk-priced, below "
    "the US$10-30 a month of retail consumer plans (vendors' published prices; verify); replace with a quote",
)
PROTECTION_YEARS = (2, 3)  # issue #9: identity and credit protection for 2-3 years
PER_RECORD = Range(
    160,
    190,
    USD,
    "IBM Security / Ponemon Institute, Cost of a Data Breach Report 2024: roughly US$160-190 per record, "
    "depending on the type of record (verify the edition's figures); the report studies breaches of up to about "
    "100,000 records, so larger breaches get a wide range",
)
AVERAGE_BREACH = Range(
    4_400_000,
    4_900_000,
    USD,
    "IBM Security / Ponemon Institute, Cost of a Data Breach Report: global average total cost US$4.88 million "
    "(2024 edition) and US$4.44 million (2025 edition); the US average is about twice that (verify)",
)
CCPA_DAMAGES = Range(
    100,
    750,
    USD,
    "Cal. Civ. Code §1798.150(a)(1)(A): statutory damages of US$100-750 per consumer per incident when "
    "nonencrypted, nonredacted personal information is stolen for lack of reasonable security (rules.md §5; "
    "CPI-adjusted about US$107-799 since 2025, verify); a 30-day notice to cure comes first",
)
GDPR_FINE = Range(
    0,
    10_000_000,
    EUR,
    "GDPR Art. 83(4)(a): infringing Art. 33 or 34 can be fined up to EUR 10 million or 2 % of the total "
    "worldwide annual turnover of the preceding year, whichever is higher; an exposure, not a forecast",
)


def estimate_cost(case: BreachCase, *, advice: Advice | None = None) -> CostEstimate:
    """The cost ranges of a case; ``advice`` defaults to :func:`trustops.breach.advice.compensation_advice`.

    Raises :class:`InvalidInput` naming ``people`` when the number of people affected is not known: every
    line but one scales with it, and a guess would be false precision.
    """
    if case.people is None:
        raise InvalidInput(
            "people: the number of people affected is not known yet, so the cost cannot be estimated; "
            "enter an approximate count",
            field="people",
        )
    if advice is None:
        from trustops.breach.advice import compensation_advice

        advice = compensation_advice(case)
    people = case.people
    records = case.records if case.records is not None else people
    lines = [("notice and support line", NOTICE_PER_PERSON.times(people))]
    assumptions = [f"Notice and support line: {NOTICE_PER_PERSON.basis}."]
    protection = _protection(advice, people)
    if protection:
        lines.append(protection)
        assumptions.append(f"Protection: {protection[1].basis}.")
    lines.append(("investigation, response and lost business", _per_record(records)))
    assumptions.append(f"Per record: {PER_RECORD.basis}.")
    if case.records is None:
        assumptions.append("The number of records is not known: one record per person is assumed.")
    california = _california(case)
    if california:
        lines.append((f"statutory damages (CCPA), {california:,} California residents", CCPA_DAMAGES.times(california)))
        assumptions.append(
            f"CCPA: {CCPA_DAMAGES.basis}. Counted as if every California resident were awarded them: a ceiling."
        )
    elif _residents(case, CALIFORNIA) and _unintelligible(case):
        assumptions.append("CCPA statutory damages left out: the data were encrypted and the key was not taken.")
    exposures = []
    if any(_residents(case, code) for code in GDPR_REGIMES):
        exposures.append(("regulatory fine ceiling (GDPR Art. 83(4))", GDPR_FINE))
        assumptions.append(f"GDPR: {GDPR_FINE.basis}. Not added to the total.")
    assumptions.append(f"For comparison, the average breach: {AVERAGE_BREACH.text} ({AVERAGE_BREACH.basis}).")
    total = Range(
        round_2sf(sum(r.low for _, r in lines)),
        round_2sf(sum(r.high for _, r in lines)),
        USD,
        "the sum of the lines; exposures are not included",
    )
    return CostEstimate(tuple(lines), total, tuple(assumptions), tuple(exposures))


def protection_per_person(years: tuple[int, int] = PROTECTION_YEARS) -> Range:
    """What identity and credit protection costs per person for ``years`` (low, high) years."""
    low, high = years
    per_year = PROTECTION_PER_PERSON_YEAR
    return Range(
        round_2sf(per_year.low * low),
        round_2sf(per_year.high * high),
        USD,
        f"{low}-{high} years at {per_year.text} a person-year ({per_year.basis})",
    )


def round_2sf(value: float) -> float:
    """``value`` to two significant figures: 12,345 → 12,000; 0.456 → 0.46."""
    if value == 0:
        return 0.0
    digits = 1 - math.floor(math.log10(abs(value)))
    return float(round(value, digits))


def _protection(advice: Advice, people: int) -> tuple[str, Range] | None:
    kinds = {o.kind for o in advice.options if o.recommended}
    label = "identity and credit protection" if {"identity_protection", "credit_monitoring"} <= kinds else None
    for option in advice.options:
        if option.recommended and option.cost_per_person is not None:
            label = label or option.kind.replace("_", " ")
            return f"{label} for the people affected", option.cost_per_person.times(
                people, basis=f"{option.cost_per_person.basis}; priced as if everyone enrols (take-up is lower)"
            )
    return None


def _per_record(records: int) -> Range:
    if records <= PER_RECORD_STUDIED_UP_TO:
        return PER_RECORD.times(records)
    # Above the studied sizes the cost per record falls: the first 100,000 records at the benchmark is the floor,
    # every record at the benchmark the ceiling.
    return Range(
        round_2sf(PER_RECORD.low * PER_RECORD_STUDIED_UP_TO),
        round_2sf(PER_RECORD.high * records),
        USD,
        f"{PER_RECORD.basis}; above {PER_RECORD_STUDIED_UP_TO:,} records the range runs from the benchmark for "
        "the first 100,000 records to the benchmark for every record",
    )


def _residents(case: BreachCase, code: str) -> int:
    return sum(n for c, n in (case.people_by_jurisdiction or {}).items() if c.strip().upper() == code)


def _unintelligible(case: BreachCase) -> bool:
    return case.encrypted and not case.key_compromised


def _california(case: BreachCase) -> int:
    """California residents who could claim CCPA damages: none when the data were encrypted and the key safe."""
    return 0 if _unintelligible(case) else _residents(case, CALIFORNIA)


def _amount(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.3g} million"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}"
