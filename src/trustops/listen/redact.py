"""Redact personal data from mention texts before anything stores them.

DESIGN.md "Our own data minimisation": a tweet, ticket or review is redacted as it enters the pipeline,
so no raw e-mail address, phone number, card number or government id reaches a table or a log. Each
finding becomes a placeholder naming its kind (``[email]``, ``[phone]``, ``[card]``, ``[iban]``,
``[national-id]``, ``[ip]``) and is counted.

What is found, in this order (the most specific kinds first, so a card is never half-eaten as a phone):

1. email: ``local@domain.tld`` with RFC 5322 local parts (plus-addressing) and sub-domains; obfuscated
   ``name [at] example [dot] com``, and ``name at example dot com`` when the TLD is a common one.
2. iban: country code, check digits and exactly the length the SWIFT IBAN registry gives that country,
   grouped by spaces or not, mod-97 checked (ISO 13616).
3. national_id: US SSN ``###-##-####`` (never area 000, 666 or 9xx, group 00, serial 0000); UK National
   Insurance number (``AB123456C``, ``AB 12 34 56 C``, ``AB 123456 C``; HMRC prefix and suffix letters);
   Spanish DNI and NIE (mod-23 letter); French NIR, the social security number (mod-97 key, Corsica
   2A/2B); Italian codice fiscale (check letter, omocodia digits).
4. card: 13-19 digits starting 1-9, grouped by spaces or dashes or not, Luhn checked.
5. ip: IPv6 in any form :mod:`ipaddress` accepts (with at least two non-empty groups, so ``::`` and
   ``::1`` stay), then IPv4 dotted quads with octets 0-255.
6. phone: international (``+`` and 8-15 digits, or ``00``/``011`` and 10-15), North American
   (``(415) 555-0134``, ``415-555-0134``, ``415.555.0134``, bare 10 digits) and trunk-prefixed national
   numbers (a leading 0 and 9-11 digits, as in the UK, Germany and France).

Known trade-offs:

- A four-part version number whose parts are all 0-255 (``2.14.1.0``) is an IPv4 address here:
  telling them apart needs context, and redacting a version number costs little.
- Bare runs of 9 digits or fewer are never phones (order and flight numbers), so local numbers without
  an area code (``555-0134``) are missed; so are SSNs written without dashes. The Dutch BSN is not
  detected: it is a bare 9-digit number whose 11-test would redact one order number in eleven.
- "look at this dot com" reads as a spelled-out address; "ordered at amazon.com" does not.
- A run of digits that validates as two kinds counts as the earlier one: a national number of 13 or
  more digits that happens to pass Luhn is a ``[card]``, even after ``+44 ``. Redacted either way.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
import string
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass

KINDS: tuple[str, ...] = ("email", "phone", "card", "iban", "national_id", "ip")
PLACEHOLDERS: Mapping[str, str] = {kind: f"[{kind.replace('_', '-')}]" for kind in KINDS}

Span = tuple[int, int]
Finder = Callable[[str], Iterable[Span]]


@dataclass(frozen=True)
class Redacted:
    """A text safe to store, and how many findings of each kind it held (kinds with none are left out)."""

    text: str
    counts: Mapping[str, int]


# -- e-mail ------------------------------------------------------------------------------------------

_ATEXT = r"[\w.!#$%&'*+/=?^`{|}~-]"  # RFC 5322 atext plus the dot, Unicode letters included (RFC 6531)
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_TLD = r"(?:[^\W\d_]{2,63}|(?i:xn--)[^\W_][\w-]*)"
_EMAIL = re.compile(rf"(?<!{_ATEXT}){_ATEXT}+@(?:{_LABEL}\.)+{_TLD}(?![\w-])")

_AT_IN_BRACKETS = r"\s*[\[({<]\s*at\s*[\])}>]\s*"
_ANY_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)"
_WORD_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"
_COMMON_TLD = r"(?:com|net|org|edu|gov|info|io|co|uk|us|ca|de|fr|es|it|nl|be|ch|at|eu|au|ie|me)"
_OBFUSCATED_EMAIL = re.compile(
    # "jane [at] example [dot] com", "jane(at)example.co.uk": a bracketed "at" is never prose.
    rf"(?<![\w.+-])[\w.+-]+(?:{_ANY_DOT}[\w+-]+){{0,3}}{_AT_IN_BRACKETS}(?:{_LABEL}{_ANY_DOT}){{1,4}}[a-z]{{2,24}}(?![\w-])"
    # "jane dot doe at example dot com": every dot spelled out, else "ordered at amazon.com" would match.
    rf"|(?<![\w.+-])[\w+-]+(?:{_WORD_DOT}[\w+-]+){{0,3}}\s+at\s+(?:{_LABEL}{_WORD_DOT}){{1,4}}{_COMMON_TLD}(?![\w-])",
    re.IGNORECASE,
)


def _find_emails(text: str) -> Iterator[Span]:
    return (match.span() for match in _EMAIL.finditer(text))


def _find_obfuscated_emails(text: str) -> Iterator[Span]:
    return (match.span() for match in _OBFUSCATED_EMAIL.finditer(text))


# -- IBAN --------------------------------------------------------------------------------------------

# Total IBAN length per country, from the SWIFT IBAN registry.
_IBAN_LENGTHS: Mapping[str, int] = {
    country: length
    for length, countries in (
        (15, "NO"),
        (16, "BE"),
        (18, "DK FI FK FO GL NL SD"),
        (19, "MK SI"),
        (20, "AT BA EE KZ LT LU MN XK"),
        (21, "CH HR LI LV"),
        (22, "BG BH CR DE GB GE IE ME RS VA"),
        (23, "AE GI IL IQ OM SO TL"),
        (24, "AD CZ ES MD PK RO SA SE SK TN VG"),
        (25, "LY PT ST"),
        (26, "IS TR"),
        (27, "BI DJ FR GR IT MC MR SM"),
        (28, "AL AZ BY CY DO GT HU LB NI PL SV"),
        (29, "BR EG PS QA UA"),
        (30, "JO KW MU YE"),
        (31, "MT SC"),
        (32, "LC"),
        (33, "RU"),
    )
    for country in countries.split()
}
_IBAN_START = re.compile(r"[0-9]{2}(?<=(?<![^\W_])[A-Za-z]{2}[0-9]{2})")  # digit-led: the scan skips to digits
_IBAN_BODIES: Mapping[int, re.Pattern[str]] = {
    length: re.compile(rf"(?:[ \u00a0-]?[A-Za-z0-9]){{{length - 4}}}(?![^\W_])")
    for length in set(_IBAN_LENGTHS.values())
}


def _iban_checksum_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _find_ibans(text: str) -> Iterator[Span]:
    """Read exactly the registered length after each ``CC99``, so grouping never swallows the next word."""
    pos = 0
    while check := _IBAN_START.search(text, pos):
        start, pos = check.start() - 2, check.end()
        length = _IBAN_LENGTHS.get(text[start : start + 2].upper())
        body = _IBAN_BODIES[length].match(text, pos) if length else None
        if body and _iban_checksum_ok(re.sub(r"[^A-Za-z0-9]", "", text[start : body.end()]).upper()):
            pos = body.end()
            yield start, pos


# -- national ids ------------------------------------------------------------------------------------

_SSN = re.compile(r"[0-8](?<![\w-].)[0-9]{2}(?<!000)(?<!666)-(?!00)[0-9]{2}-(?!0000)[0-9]{4}(?![\w-])")
_NINO = re.compile(
    # HMRC NIM39110: no D, F, I, Q, U, V first; no D, F, I, O, Q, U, V second; some pairs never issued.
    r"(?<![^\W_])(?!(?i:bg|gb|kn|nk|nt|tn|zz))"
    r"(?:(?i:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D])"  # AB123456C, any case
    r"|[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z](?: [0-9]{2} [0-9]{2} [0-9]{2}| [0-9]{6}) [A-D])(?![^\W_])"  # AB 12 34 56 C
)
_DNI_NIE = re.compile(r"([0-9XYZxyz])(?<![^\W_].)-?([0-9]{7})-?([A-Za-z])(?![^\W_])")
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_NIR = re.compile(
    r"[1278](?<![\w+].) ?[0-9]{2} ?(?:0[1-9]|1[0-2]|[2-9][0-9]) ?(?:[0-9]{2}|2[ABab]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}(?!\w)"
)
_NINO_DIGITS = re.compile(r"[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d](?![^\W_])")  # digit-led hint for _NINO
_CF_DIGIT = "[0-9LMNPQRSTUV]"  # omocodia: letters stand in for digits when two codes would clash
_CODICE_FISCALE = re.compile(
    rf"(?<![^\W_])[A-Z]{{6}}{_CF_DIGIT}{{2}}[ABCDEHLMPRST]{_CF_DIGIT}{{2}}[A-Z]{_CF_DIGIT}{{3}}[A-Z](?![^\W_])",
    re.IGNORECASE,
)
_CF_ODD_VALUES = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)
_CF_ODD = dict(zip(string.digits + string.ascii_uppercase, _CF_ODD_VALUES[:10] + _CF_ODD_VALUES, strict=True))
_CF_EVEN = dict(zip(string.digits + string.ascii_uppercase, (*range(10), *range(26)), strict=True))


def _dni_nie_ok(match: re.Match[str]) -> bool:
    first, rest, letter = match.groups()
    number = int(str("XYZ".find(first.upper())) + rest if first.isalpha() else first + rest)
    return _DNI_LETTERS[number % 23] == letter.upper()


def _nir_ok(match: re.Match[str]) -> bool:
    compact = match.group().replace(" ", "").upper()
    body = compact[:5] + compact[5:7].replace("2A", "19").replace("2B", "18") + compact[7:13]
    return 97 - int(body) % 97 == int(compact[13:])


def _codice_fiscale_ok(match: re.Match[str]) -> bool:
    code = match.group().upper()
    total = sum(_CF_ODD[char] if index % 2 == 0 else _CF_EVEN[char] for index, char in enumerate(code[:15]))
    return chr(ord("A") + total % 26) == code[15]


def _checked(
    pattern: re.Pattern[str],
    valid: Callable[[re.Match[str]], bool] | None = None,
    hint: re.Pattern[str] | None = None,
) -> Finder:
    """A finder for ``pattern``'s matches that pass ``valid``; a cheap ``hint`` search skips hopeless texts."""

    def find(text: str) -> Iterator[Span]:
        if hint and not hint.search(text):
            return iter(())
        return (match.span() for match in pattern.finditer(text) if valid is None or valid(match))

    return find


# -- runs of digit groups: cards and phones ----------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")
# Not after "/": a URL path segment such as a tweet's status id passes Luhn one time in ten.
_CARD_RUN = re.compile(r"[0-9](?<![\w+/].)(?<![0-9][.,].)[0-9]*(?:[ -][0-9]+)*(?!\w)(?![.,][0-9])")
_PHONE_RUN = re.compile(
    # Each start is checked against the character before it: not inside a word, an amount, an order
    # number ("#"), a time, a path or a date.
    r"(?:\+(?<![\w+#$€£¥/.,:]\+) ?|\((?<![\w+#$€£¥/.,:]\()(?=[0-9]{1,4}\))|[0-9](?<![\w+#$€£¥/.,:].)(?<![0-9]-.))"
    r"(?:[0-9]*\) ?)?[0-9]*"
    r"(?:(?:[ .-]| ?\([0-9]{1,4}\) ?)[0-9]+)*"
    r"(?![\w%]|[.,:/-][0-9])"
)
_PHONE_GROUP = re.compile(r"\(?[0-9]+\)?")
_DATE_START = re.compile(r"[0-9]{1,2}([./-])[0-9]{1,2}\1(?:[0-9]{4}|[0-9]{2})(?![0-9])")


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _luhn_ok(digits: str) -> bool:
    doubled = sum(_LUHN_DOUBLED[int(digit)] for digit in digits[-2::-2])
    return (sum(map(int, digits[-1::-2])) + doubled) % 10 == 0


def _standard_card_layout(lengths: tuple[int, ...]) -> bool:
    """Groups of four (the last may be shorter), Amex 4-6-5, Diners 4-6-4, or no grouping at all."""
    if len(lengths) == 1 or lengths in ((4, 6, 5), (4, 6, 4)):
        return True
    return all(length == 4 for length in lengths[:-1]) and lengths[-1] <= 4


def _pick(candidates: Iterable[tuple[tuple[int, ...], Span]]) -> list[Span]:
    """The best-scoring candidates that do not overlap, leftmost first on ties, in text order."""
    chosen: list[Span] = []
    for _, span in sorted(candidates, key=lambda c: (c[0], -c[1][0]), reverse=True):
        at = bisect.bisect(chosen, span)
        if (at == 0 or chosen[at - 1][1] <= span[0]) and (at == len(chosen) or span[1] <= chosen[at][0]):
            chosen.insert(at, span)
    return chosen


def _card_candidates(text: str, groups: list[Span]) -> Iterator[tuple[tuple[int, ...], Span]]:
    for first, (start, _) in enumerate(groups):
        if text[start] == "0":
            continue
        digits = ""
        for last in range(first, len(groups)):
            digits += text[groups[last][0] : groups[last][1]]
            if len(digits) > 19:
                break
            if len(digits) >= 13 and _luhn_ok(digits):
                layout = tuple(end - begin for begin, end in groups[first : last + 1])
                yield (int(_standard_card_layout(layout)), len(digits)), (start, groups[last][1])


def _find_cards(text: str) -> Iterator[Span]:
    """Cut each run of digit groups into Luhn-valid cards, preferring card-shaped and longer ones."""
    for run in _CARD_RUN.finditer(text):
        if run.end() - run.start() >= 13:
            groups = [group.span() for group in _DIGITS.finditer(text, run.start(), run.end())]
            yield from _pick(_card_candidates(text, groups))


def _international_ok(digits: str, shortest: int = 8) -> bool:
    return shortest <= len(digits) <= 15 and digits[0] != "0"


def _phone_ok(span: str, groups: list[str]) -> bool:
    """E.164 and national numbering shapes; ``groups`` are the digit groups as written, parentheses kept."""
    if span[0] == "+":  # "+44 (0)20 ...": the bracketed trunk zero is not dialled from abroad
        return _international_ok("".join(group.strip("()") for group in groups if group != "(0)"))
    bare = [group.strip("()") for group in groups]
    digits = "".join(bare)
    # Without "+", ask for 10 digits after the access code: bag tags and references start "00" too.
    if digits.startswith("00"):
        return _international_ok(digits[2:], shortest=10)
    if digits.startswith("011") and _international_ok(digits[3:], shortest=10):
        return True
    if digits[0] == "0":
        grouped_or_long = len(groups) > 1 or len(digits) >= 10
        return 9 <= len(digits) <= 11 and grouped_or_long and not _DATE_START.match(span)
    return _north_american_ok(digits, tuple(map(len, bare)))


def _north_american_ok(digits: str, lengths: tuple[int, ...]) -> bool:
    if lengths[:1] == (1,) and digits[0] == "1":
        digits, lengths = digits[1:], lengths[1:]
    shaped = lengths in ((3, 3, 4), (3, 7), (10,))
    return shaped and digits[0] in "23456789" and digits[3] in "23456789"


def _phone_candidates(text: str, run_start: int, groups: list[Span]) -> Iterator[tuple[tuple[int, ...], Span]]:
    """Spans of whole groups that are phone numbers; the first group starts at the run's "+", if any."""
    written = [text[begin:end] for begin, end in groups]
    for first in range(len(groups)):
        start, count = groups[first][0] if first else run_start, 0
        for last in range(first, min(first + 8, len(groups))):  # "+33 6 12 34 56 78" has six groups
            count += groups[last][1] - groups[last][0]  # digits, give or take parentheses
            if count > 21:
                break
            if count >= 8 and _phone_ok(text[start : groups[last][1]], written[first : last + 1]):
                yield (sum(char.isdigit() for char in text[start : groups[last][1]]),), (start, groups[last][1])


def _find_phones(text: str) -> Iterator[Span]:
    """Cut each run of digit groups into phone numbers, preferring the longest."""
    for run in _PHONE_RUN.finditer(text):
        if run.end() - run.start() >= 9:
            groups = [group.span() for group in _PHONE_GROUP.finditer(text, run.start(), run.end())]
            yield from _pick(_phone_candidates(text, run.start(), groups))


# -- IP addresses ------------------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = re.compile(rf"(?<![\w.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\w|\.[0-9])")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,8}(?:[0-9A-Fa-f]{1,4}|(?:[0-9]{1,3}\.){3}[0-9]{1,3})?(?![\w:]|\.[0-9])"
)


def _ipv6_ok(match: re.Match[str]) -> bool:
    candidate = match.group()
    if sum(1 for part in re.split(r"[:.]", candidate) if part) < 2:
        return False
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


# -- the pipeline ------------------------------------------------------------------------------------

# Hints: cheap searches that lead with a digit or a colon, so the scan skips most of a text.
_SIX_DIGITS = r"[0-9](?:[^\w\n]{0,2}[0-9]){5}"  # cards, phones, IBANs and most ids have six close together
_DOTTED_QUAD = re.compile(r"[0-9]\.[0-9]{1,3}\.[0-9]")
_CF_BIRTH_DATE = re.compile(r"[0-9][ABCDEHLMPRSTabcdehlmprst][0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z]")
_IPV6_COLONS = re.compile(r":[0-9A-Fa-f]{0,4}:")
_WORTH_A_LOOK = re.compile("|".join((_SIX_DIGITS, _DOTTED_QUAD.pattern, _CF_BIRTH_DATE.pattern, _IPV6_COLONS.pattern)))
_INNER_AT = re.compile(r"@(?<=[^\s@]@)[^\W_]")
_BRACKET_AT = re.compile(r"[\[({<]\s*at\s*[\])}>]", re.IGNORECASE)
_PASSES: tuple[tuple[str, Finder], ...] = (
    ("iban", _find_ibans),
    ("national_id", _checked(_SSN)),
    ("national_id", _checked(_NINO, hint=_NINO_DIGITS)),
    ("national_id", _checked(_DNI_NIE, _dni_nie_ok)),
    ("national_id", _checked(_NIR, _nir_ok)),
    ("national_id", _checked(_CODICE_FISCALE, _codice_fiscale_ok, hint=_CF_BIRTH_DATE)),
    ("card", _find_cards),
    ("ip", _checked(_IPV6, _ipv6_ok, hint=_IPV6_COLONS)),
    ("ip", _checked(_IPV4, hint=_DOTTED_QUAD)),
    ("phone", _find_phones),
)


def redact(text: str, *, keep: Collection[str] = ()) -> Redacted:
    """Replace every personal value in ``text`` by its kind's placeholder and count them.

    Idempotent on the text, and a text without findings comes back unchanged. Most tweets hold no
    e-mail address and no digits worth a look, so cheap tests skip the scans that cannot match.
    ``keep`` names kinds to leave as they are (a breach log keeps the attacker's IP address).
    """
    unknown = set(keep) - set(KINDS) if keep else ()
    if unknown:
        raise ValueError(f"keep: unknown kind(s) {sorted(unknown)}; known: {', '.join(KINDS)}")
    counts: dict[str, int] = {}
    if "email" not in keep:
        if _INNER_AT.search(text):
            text = _replace(text, "email", _find_emails(text), counts)
        if "dot" in text.lower() or _BRACKET_AT.search(text):
            text = _replace(text, "email", _find_obfuscated_emails(text), counts)
    if _WORTH_A_LOOK.search(text):
        for kind, find in _PASSES:
            if kind not in keep:
                text = _replace(text, kind, find(text), counts)
    return Redacted(text, counts)


def _replace(text: str, kind: str, spans: Iterable[Span], counts: dict[str, int]) -> str:
    parts: list[str] = []
    end = 0
    for start, stop in spans:
        parts += (text[end:start], PLACEHOLDERS[kind])
        end = stop
    if not parts:
        return text
    counts[kind] = counts.get(kind, 0) + len(parts) // 2
    parts.append(text[end:])
    return "".join(parts)
