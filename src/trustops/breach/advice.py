"""What to offer the people a breach affected, ranked, with the finding behind each choice.

The order comes from the project's rules (rules.md §5, last paragraph: "Compensation drafting prefers identity
protection and transparency reports over cash/vouchers"; issue #9):

1. **Identity and credit protection for 2-3 years** when identity or financial data leaked (a national id,
   a payment card, a bank account, a date of birth with a name…): it meets the harm the person now faces.
2. **A public transparency report** of the security improvements made since (:func:`trustops.breach.drafts.
   transparency_report`): service compensation restores trust.
3. **Cash** before 4. **vouchers**: monetary compensation showed no significant effect on trust, and a
   promotional voucher asks the person to spend again with the company that lost their data.

The research finding behind "service compensation restores trust; monetary compensation showed no significant
effect" is stated in issue #9 without a citation, and the project's references (rules.md, anchors.md) do not
cite the study: see :data:`TRUST_FINDING`, marked "verify".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from trustops.breach.costs import Range, protection_per_person
from trustops.breach.models import BreachCase

RULES_SOURCE = (
    "rules.md §5: compensation drafting prefers identity protection and transparency reports over cash/vouchers"
)
ISSUE_SOURCE = (
    "trustops issue #9: identity and credit protection (2-3 years) and transparency reports over cash, cash over "
    "vouchers; warn against promotional vouchers"
)
TRUST_FINDING = (
    "Service compensation restores trust; monetary compensation showed no significant effect (issue #9). "
    "verify: the study behind this finding is not cited in the project's references (rules.md, anchors.md); a "
    "lead to check, not a citation: Goode, Hoehle, Venkatesh and Brown, 'User compensation as a data breach "
    "recovery action', MIS Quarterly 41(3), 2017"
)
CALIFORNIA_OFFER = (
    "Cal. Civ. Code §1798.82(d)(2)(G): when the notifying business was the source of a breach of Social Security, "
    "driver's licence or California ID numbers, offer identity theft prevention and mitigation services at no cost "
    "for at least 12 months (verify)"
)
FTC_GUIDE = (
    "https://www.ftc.gov/business-guidance/resources/data-breach-response-guide-business (FTC, Data Breach "
    "Response: A Guide for Business: consider free credit monitoring or identity protection; verify)"
)
EAR_PROMOTION = "trustops EAR lint (comms/ear_phrases.py, rule 'promotion'): a promotion inside an apology fails it"

# Plain words for common data categories (keys normalised by category_key); others are shown as given.
CATEGORY_WORDS = {
    "name": "name",
    "full_name": "full name",
    "email": "e-mail address",
    "email_address": "e-mail address",
    "phone": "phone number",
    "phone_number": "phone number",
    "address": "postal address",
    "postal_address": "postal address",
    "date_of_birth": "date of birth",
    "password": "password",
    "passwords": "password",
    "credentials": "sign-in details",
    "payment_card": "payment card details",
    "card": "payment card details",
    "card_number": "payment card number",
    "credit_card": "credit card details",
    "bank_account": "bank account details",
    "iban": "bank account number (IBAN)",
    "national_id": "national identity number",
    "ssn": "Social Security number",
    "social_security_number": "Social Security number",
    "passport": "passport number",
    "passport_number": "passport number",
    "driving_licence": "driving licence number",
    "drivers_license": "driver's license number",
    "driver_license": "driver's license number",
    "tax_id": "tax identification number",
    "health": "health information",
    "medical": "medical information",
    "order_history": "order history",
    "ip_address": "IP address",
    "location": "location data",
}

# Data whose leak enables identity theft or payment fraud (normalised by :func:`category_key`).
IDENTITY_DATA = frozenset(
    {
        "national_id",
        "ssn",
        "social_security_number",
        "tax_id",
        "passport",
        "passport_number",
        "driving_licence",
        "drivers_license",
        "driver_license",
        "id_card",
    }
)
FINANCIAL_DATA = frozenset(
    {"payment_card", "card", "card_number", "credit_card", "bank_account", "iban", "financial_account"}
)
CALIFORNIA_OFFER_DATA = frozenset(
    {"ssn", "social_security_number", "national_id", "driving_licence", "drivers_license", "driver_license", "id_card"}
)
# A date of birth alone is weak; with a name it is the usual key to a credit file.
BIRTH_WITH_NAME = frozenset({"date_of_birth", "name"})


@dataclass(frozen=True)
class Option:
    kind: str  # "identity_protection" | "credit_monitoring" | "transparency_report" | "cash" | "voucher"
    recommended: bool
    rank: int  # 1 = best
    why: str
    cost_per_person: Range | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    options: tuple[Option, ...]  # ranked, best first
    warnings: tuple[str, ...]
    summary: str


def category_key(category: str) -> str:
    """A data category as one lower-case word: "Payment card" and "payment-card" → "payment_card"."""
    return re.sub(r"[\s-]+", "_", category.strip().lower())


def category_words(categories: Iterable[str]) -> list[str]:
    """The categories in plain words, each once: ["email", "payment_card"] → ["e-mail address", "payment card
    details"]."""
    return list(dict.fromkeys(CATEGORY_WORDS.get(category_key(c), c.replace("_", " ")) for c in categories))


def identity_risk(categories: Iterable[str]) -> tuple[str, ...]:
    """The categories (as given) that expose people to identity theft or payment fraud."""
    given = {category_key(c): c for c in categories}
    risky = [c for key, c in given.items() if key in IDENTITY_DATA | FINANCIAL_DATA]
    if BIRTH_WITH_NAME <= set(given) or {"date_of_birth", "full_name"} <= set(given):
        risky.append(given["date_of_birth"])
    return tuple(risky)


def compensation_advice(case: BreachCase) -> Advice:
    """Rank what to offer the people affected by ``case``, and say what to avoid.

    1. Find identity or financial data among the case's categories; nothing is needed against a risk that
       encrypted data with a safe key removed (GDPR Art. 34(3)(a)).
    2. Identity protection leads when either leaked; credit monitoring joins it when identity data leaked (card
       or bank details alone do not open new credit in a person's name). Otherwise the transparency report leads.
    3. Cash comes before vouchers, and both after the rest; neither is recommended.
    """
    categories = list(case.data_categories or ())
    unintelligible = case.encrypted and not case.key_compromised
    risky = () if unintelligible else identity_risk(categories)
    identity = () if unintelligible else identity_data(categories)
    options = _ranked(
        [
            _identity_protection(risky, unintelligible),
            _credit_monitoring(identity, risky, unintelligible),
            _transparency(bool(risky)),
            _cash(),
            _voucher(),
        ]
    )
    warnings = [
        "Do not offer promotional vouchers or discount codes: they ask people to spend again with the company that "
        f"lost their data, read as marketing at the worst moment, and fail the EAR lint ({EAR_PROMOTION}).",
        "Pause promotional campaigns to the people affected while the notices go out (the marketing guard).",
    ]
    if _california_offer_owed(case):
        warnings.append(f"California residents are affected: {CALIFORNIA_OFFER}.")
    return Advice(tuple(options), tuple(warnings), _summary(options))


def identity_data(categories: Iterable[str]) -> tuple[str, ...]:
    """The categories (as given) that let someone open credit or accounts in a person's name."""
    risky = identity_risk(categories)
    return tuple(c for c in risky if category_key(c) not in FINANCIAL_DATA)


PROTECTION_SOURCES = (RULES_SOURCE, ISSUE_SOURCE, FTC_GUIDE, CALIFORNIA_OFFER)
NOT_READABLE = (
    "The data were encrypted and the key was not taken (GDPR Art. 34(3)(a)): nobody can read them, so protection "
    "services would not meet a real risk."
)


def _identity_protection(risky: tuple[str, ...], unintelligible: bool) -> Option:
    if risky:
        why = (
            f"The breach exposed {_join(category_words(risky))}: people now face identity theft or fraud, so "
            "protection for 2-3 years meets the harm itself, and a service restores trust where money does not."
        )
    elif unintelligible:
        why = NOT_READABLE
    else:
        why = (
            "No identity or financial data (national id, payment card, bank account, date of birth with a name) "
            "were exposed, so identity protection would not meet the risk people face."
        )
    return Option("identity_protection", bool(risky), 0, why, protection_per_person(), PROTECTION_SOURCES)


def _credit_monitoring(identity: tuple[str, ...], risky: tuple[str, ...], unintelligible: bool) -> Option:
    if identity:
        why = (
            f"With {_join(category_words(identity))} exposed, credit can be opened in a person's name: watching "
            "their credit file for 2-3 years catches it early."
        )
    elif unintelligible:
        why = NOT_READABLE
    elif risky:
        why = (
            "Card or bank details alone do not open new credit in a person's name: the bank replaces the card, and "
            "identity protection covers the fraud risk."
        )
    else:
        why = "No identity data were exposed, so nobody can open credit in the people's names with them."
    return Option("credit_monitoring", bool(identity), 0, why, protection_per_person(), PROTECTION_SOURCES)


def _transparency(protect: bool) -> Option:
    why = (
        "A public report of the security improvements made since shows the fault was fixed; service compensation "
        "restores trust (issue #9), and it costs little per person."
    )
    if protect:
        why += " It comes after protection, which meets the harm of identity data exposed."
    return Option("transparency_report", True, 0, why, None, (RULES_SOURCE, ISSUE_SOURCE, TRUST_FINDING))


def _cash() -> Option:
    why = (
        "Monetary compensation showed no significant effect on trust (issue #9, verify the study); it is "
        "still better than a voucher because it asks nothing more of the person. The amount is a decision, "
        "not an estimate."
    )
    return Option("cash", False, 0, why, None, (RULES_SOURCE, ISSUE_SOURCE, TRUST_FINDING))


def _voucher() -> Option:
    why = (
        "A voucher is money that can only be spent with the company that lost the data: it reads as a sales "
        "offer, and a promotion inside an apology fails the EAR lint."
    )
    return Option("voucher", False, 0, why, None, (RULES_SOURCE, ISSUE_SOURCE, EAR_PROMOTION))


def _ranked(options: list[Option]) -> list[Option]:
    """Recommended first, in the given order, then the rest; ranks 1… follow that order."""
    ordered = [o for o in options if o.recommended] + [o for o in options if not o.recommended]
    return [
        Option(o.kind, o.recommended, rank, o.why, o.cost_per_person, o.sources)
        for rank, o in enumerate(ordered, start=1)
    ]


def _california_offer_owed(case: BreachCase) -> bool:
    californians = sum(n for c, n in (case.people_by_jurisdiction or {}).items() if c.strip().upper() == "US-CA")
    exposed = {category_key(c) for c in case.data_categories or ()} & CALIFORNIA_OFFER_DATA
    return californians > 0 and bool(exposed) and not (case.encrypted and not case.key_compromised)


def _summary(options: list[Option]) -> str:
    best = [o for o in options if o.recommended]
    names = {
        "identity_protection": "identity protection",
        "credit_monitoring": "credit monitoring",
        "transparency_report": "a public transparency report",
    }
    offer = _join([names[o.kind] for o in best])
    cost = next((o.cost_per_person for o in best if o.cost_per_person is not None), None)
    priced = f" (about {cost.text} per person for 2-3 years)" if cost else ""
    return f"Offer {offer}{priced}; prefer these to cash, and cash to vouchers. Never offer promotional vouchers."


def _join(words: list[str] | tuple[str, ...]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
