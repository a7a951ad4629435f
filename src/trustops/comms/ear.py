"""The EAR check: does an apology show Empathy, Accountability and Resolution, and avoid non-apologies?

:func:`lint` reads an apology e-mail and :func:`lint_update` a public status update. Both report
findings, each with the rule, its severity, the exact character span that triggered it, a message and a
suggestion. The phrase lists are data in :mod:`trustops.comms.ear_phrases`.

An e-mail gets three scores from 0 to 100 (rules.md §3):

- **Empathy:** it speaks to the reader ("you", "your"), says what happened to them, names the feature
  and the time window, and acknowledges what that cost them.
- **Accountability:** it apologises plainly, owns the failure ("this was our fault") and gives the
  cause in the first person with an active verb ("our update rejected valid cards").
- **Resolution:** it says what was fixed, what prevents a repeat, what the reader must do (or that
  they need do nothing) and how to reach us.

Non-apologies, blame and excuses lower the scores. An e-mail passes when no finding is high-severity
and each score reaches :data:`PASS_SCORE`. A status update is not scored: it passes when no finding is
high-severity (guessed ETAs, internal names and host names, blame).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from trustops.comms import ear_phrases as phrases
from trustops.comms.ear_phrases import Rule, Severity, compile_phrase, compiled, union
from trustops.errors import InvalidInput

PASS_SCORE = 60  # each of Empathy, Accountability and Resolution must reach this for an e-mail to pass
READING_EASE_TARGET = 60.0  # Flesch reading ease at or above this reads as plain English (rules.md §3)
GRADE_TARGET = 8.0  # Flesch-Kincaid grade at or below this

Part = Literal["body", "subject"]
Kind = Literal["email", "update"]

# How much each finding takes off a score: non-apologies and blame cost most.
EMPATHY_PENALTY = {"boilerplate-apology": 25, "conditional-apology": 25, "breach-cliche": 25, "blames-user": 25}
ACCOUNTABILITY_PENALTY = {
    "boilerplate-apology": 30,
    "conditional-apology": 30,
    "passive-apology": 30,
    "blame-shifting": 30,
    "blames-user": 30,
    "denies-responsibility": 30,
    "deferred-apology": 15,
    "passive-voice": 15,
    "blames-vendor": 15,
    "defensive": 15,
    "levity": 15,
}
RESOLUTION_PENALTY = {"guessed-eta": 20}
# An apology phrase inside one of these findings is not a real apology.
NON_APOLOGIES = frozenset({"boilerplate-apology", "conditional-apology", "deferred-apology", "passive-apology"})

SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])[\"'’”)\]]*\s+|\n[ \t]*\n\s*")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class Finding:
    rule: str  # a stable slug, e.g. "boilerplate-apology"
    severity: Severity
    start: int  # the span in the body (or the subject, see ``part``) that triggered it
    end: int
    excerpt: str  # exactly text[start:end]; empty for a missing part, reported at the end of the text
    message: str
    suggestion: str
    part: Part = "body"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Readability:
    """Flesch reading ease and Flesch-Kincaid grade, computed here (no external model)."""

    words: int
    sentences: int
    syllables: int
    reading_ease: float
    grade: float

    @property
    def plain(self) -> bool:
        return self.reading_ease >= READING_EASE_TARGET and self.grade <= GRADE_TARGET

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "plain": self.plain}


@dataclass(frozen=True)
class LintReport:
    kind: Kind
    empathy: int | None  # None for status updates, which are not scored
    accountability: int | None
    resolution: int | None
    findings: list[Finding]
    readability: Readability
    passed: bool
    signals: dict[str, bool] = field(default_factory=dict)  # what the scores found, by name

    @property
    def high(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "high"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "passed": self.passed,
            "empathy": self.empathy,
            "accountability": self.accountability,
            "resolution": self.resolution,
            "pass_score": PASS_SCORE,
            "readability": self.readability.to_dict(),
            "signals": dict(self.signals),
            "findings": [f.to_dict() for f in self.findings],
        }


def lint(text: str, *, subject: str = "", incident_open: bool = False, features: Collection[str] = ()) -> LintReport:
    """Check an apology e-mail. ``features`` adds the product's own feature names to the ones known.

    Steps: 1. phrase rules over the body and the subject (guessed ETAs only while the incident is open);
    2. sentence rules (passive voice near a failure, blaming a supplier, long sentences); 3. the E, A
    and R signals, with bracketed placeholders blanked out so a prompt never counts as content;
    4. scores, less penalties; 5. a finding for each missing part.
    """
    _require_text(text)
    rules = [r for r in phrases.PHRASE_RULES if incident_open or r is not phrases.GUESSED_ETA]
    findings = _phrase_findings(text, rules, "body") + _phrase_findings(subject, rules, "subject")
    findings += _sentence_findings(text, findings)
    scoring_text = _blank_placeholders(f"{subject}\n\n{text}" if subject.strip() else text)
    signals = _signals(scoring_text, features, findings, offset=len(subject) + 2 if subject.strip() else 0)
    empathy, accountability, resolution = _scores(signals, findings)
    findings += _missing(signals, text)
    findings = _ordered(findings)
    passed = not any(f.severity == "high" for f in findings) and min(empathy, accountability, resolution) >= PASS_SCORE
    return LintReport("email", empathy, accountability, resolution, findings, readability(text), passed, signals)


def lint_update(text: str, *, internal_names: Collection[str] = ()) -> LintReport:
    """Check a public status update: no guessed ETA, no jargon or internal detail, no blame.

    ``internal_names`` are the ids and names of internal components; any of them in the text is a
    high-severity finding, matched as a whole word in any case.
    """
    _require_text(text)
    findings = _phrase_findings(text, phrases.PHRASE_RULES, "body")
    findings += _internal_names(text, internal_names)
    findings += _sentence_findings(text, findings)
    findings = _ordered(findings)
    passed = not any(f.severity == "high" for f in findings)
    return LintReport("update", None, None, None, findings, readability(text), passed)


def readability(text: str) -> Readability:
    """Flesch reading ease (206.835 − 1.015·words/sentence − 84.6·syllables/word) and FK grade."""
    words = WORD.findall(text)
    sentence_count = max(1, sum(1 for s, e in sentence_spans(text) if WORD.search(text, s, e)))
    syllable_count = sum(syllables(w) for w in words)
    if not words:
        return Readability(0, 0, 0, 0.0, 0.0)
    per_sentence = len(words) / sentence_count
    per_word = syllable_count / len(words)
    ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
    grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    return Readability(len(words), sentence_count, syllable_count, round(ease, 1), round(grade, 1))


def syllables(word: str) -> int:
    """Vowel groups, less a silent final e: the usual estimate, right for most plain words."""
    word = re.sub(r"['’]s$", "", word.lower())
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Each sentence's span, without surrounding whitespace; a blank line also ends one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for boundary in SENTENCE_BOUNDARY.finditer(text):
        spans.append((start, boundary.start()))
        start = boundary.end()
    spans.append((start, len(text)))
    trimmed = []
    for s, e in spans:
        chunk = text[s:e]
        s, e = s + len(chunk) - len(chunk.lstrip()), e - (len(chunk) - len(chunk.rstrip()))
        if s < e:
            trimmed.append((s, e))
    return trimmed


def _require_text(text: str) -> None:
    if not text.strip():
        raise InvalidInput("text: must not be empty", field="text")


def _finding(rule: Rule, start: int, end: int, text: str, part: Part = "body") -> Finding:
    return Finding(rule.slug, rule.severity, start, end, text[start:end], rule.message, rule.suggestion, part)


def _phrase_findings(text: str, rules: Iterable[Rule], part: Part) -> list[Finding]:
    found: list[Finding] = []
    for rule in rules:
        exempt = [m.span() for p in rule.exemptions for m in p.finditer(text)]
        for pattern in rule.patterns:
            for match in pattern.finditer(text):
                start, end = match.span()
                if start < end and not any(s < end and start < e for s, e in exempt):
                    found.append(_finding(rule, start, end, text, part))
    return _longest_per_rule(found)


def _longest_per_rule(findings: list[Finding]) -> list[Finding]:
    """Of overlapping findings of one rule, keep the first and longest (one phrase can match two patterns)."""
    kept: list[Finding] = []
    last_end: dict[tuple[str, str], int] = {}
    for finding in sorted(findings, key=lambda f: (f.start, f.start - f.end)):
        key = (finding.rule, finding.part)
        if finding.start >= last_end.get(key, -1):
            kept.append(finding)
            last_end[key] = finding.end
    return kept


def _overlap(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end


def _internal_names(text: str, names: Collection[str]) -> list[Finding]:
    found = []
    for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True):
        words = r"\s+".join(re.escape(w) for w in name.split())
        pattern = re.compile(rf"(?<![\w-]){words}(?![\w-])", re.IGNORECASE)
        found += [_finding(phrases.INTERNAL_NAME, *m.span(), text) for m in pattern.finditer(text)]
    return _longest_per_rule(found)


def _sentence_findings(text: str, earlier: Sequence[Finding]) -> list[Finding]:
    """Passive voice near a failure, blaming a supplier, and sentences too long to follow."""
    found: list[Finding] = []
    for start, end in sentence_spans(text):
        found += _passive_voice(text, start, end, earlier)
        found += _vendor_blame(text, start, end)
        if len(WORD.findall(text, start, end)) > phrases.LONG_SENTENCE_WORDS:
            found.append(_finding(phrases.LONG_SENTENCE, start, end, text))
    return found


def _passive_voice(text: str, start: int, end: int, earlier: Sequence[Finding]) -> list[Finding]:
    if not _any(phrases.FAILURE, text, start, end) or _any(phrases.FIRST_PERSON, text, start, end):
        return []
    for pattern in compiled(phrases.PASSIVE):
        for match in pattern.finditer(text, start, end):
            if not any(f.start < match.end() and match.start() < f.end for f in earlier if f.part == "body"):
                return [_finding(phrases.PASSIVE_VOICE, *match.span(), text)]
    return []


def _vendor_blame(text: str, start: int, end: int) -> list[Finding]:
    if not _any(phrases.FAILURE, text, start, end) or _any(phrases.OWNERSHIP, text, start, end):
        return []
    for pattern in compiled(phrases.VENDOR):
        match = pattern.search(text, start, end)
        if match:
            return [_finding(phrases.BLAMES_VENDOR, *match.span(), text)]
    return []


def _any(phrase_list: tuple[str, ...], text: str, start: int = 0, end: int | None = None) -> bool:
    return union(phrase_list).search(text, start, len(text) if end is None else end) is not None


def _spans(phrase_list: tuple[str, ...], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in union(phrase_list).finditer(text)]


def _blank_placeholders(text: str) -> str:
    """The text with each bracketed prompt turned to spaces, offsets unchanged."""
    for pattern in phrases.PLACEHOLDER.patterns:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _signals(text: str, features: Collection[str], findings: Sequence[Finding], *, offset: int) -> dict[str, bool]:
    """What the E, A and R scores look for, found in the subject and body (``offset``: body start)."""
    sentences = sentence_spans(text)
    non_apologies = [
        (f.start, f.end) if f.part == "subject" else (f.start + offset, f.end + offset)
        for f in findings
        if f.rule in NON_APOLOGIES
    ]
    apologies = [
        span for span in _spans(phrases.APOLOGY, text) if not any(s < span[1] and span[0] < e for s, e in non_apologies)
    ]
    owned = _spans(phrases.OWNERSHIP, text)
    # A cause counts once the apology, "this was our fault" and what we fixed or changed are set aside.
    remedies = [(s, e) for s, e in sentences if _any(phrases.FIXED, text, s, e) or _any(phrases.PREVENTION, text, s, e)]
    cause_text = _blank(text, [*owned, *apologies, *non_apologies, *remedies])
    named = [compile_phrase(" ".join(re.escape(w) for w in f.split())) for f in features if f.strip()]
    return {
        "second_person": _any(phrases.SECOND_PERSON, text),
        "impact": any(
            _any(phrases.SECOND_PERSON, text, s, e) and _any(phrases.IMPACT, text, s, e) for s, e in sentences
        ),
        "feature": _any(phrases.FEATURE_WORDS, text) or any(p.search(text) for p in named),
        "time": _any(phrases.TIME_WINDOW, text),
        "feeling": _any(phrases.FEELING, text),
        "apology": bool(apologies),
        "ownership": bool(owned),
        "cause": any(
            _any(phrases.ACTIVE_CAUSE, cause_text, s, e) and _any(phrases.FAILURE, cause_text, s, e)
            for s, e in sentences
        ),
        "explanation": _any(phrases.CAUSE, cause_text),
        "fixed": _any(phrases.FIXED, text),
        "prevention": _any(phrases.PREVENTION, text),
        "action": _any(phrases.CUSTOMER_ACTION, text),
        "contact": _any(phrases.CONTACT, text),
    }


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _scores(signals: dict[str, bool], findings: Sequence[Finding]) -> tuple[int, int, int]:
    def points(weights: dict[str, int], penalties: dict[str, int]) -> int:
        earned = sum(weight for name, weight in weights.items() if signals[name])
        lost = sum(penalties.get(f.rule, 0) for f in findings)
        return max(0, min(100, earned - lost))

    empathy = points({"second_person": 15, "impact": 35, "feature": 20, "time": 20, "feeling": 10}, EMPATHY_PENALTY)
    accountability = points({"apology": 25, "ownership": 30, "cause": 30, "explanation": 15}, ACCOUNTABILITY_PENALTY)
    resolution = points({"fixed": 30, "prevention": 30, "action": 20, "contact": 20}, RESOLUTION_PENALTY)
    return empathy, accountability, resolution


def _missing(signals: dict[str, bool], text: str) -> list[Finding]:
    """A finding per missing part, placed at the end of the body, where the sentence would go."""
    missing = [name for name in ("impact", "feature", "time", "cause", "contact") if not signals[name]]
    if not signals["apology"] and not signals["ownership"]:
        missing.append("apology")
    found = []
    if not (signals["fixed"] or signals["prevention"] or signals["action"]):
        found.append(_finding(phrases.MISSING_RESOLUTION, len(text), len(text), text))
    else:
        missing += [name for name in ("fixed", "prevention", "action") if not signals[name]]
    return found + [_finding(phrases.MISSING[name], len(text), len(text), text) for name in missing]


SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.part != "subject", f.start, SEVERITY_ORDER[f.severity], f.rule))
