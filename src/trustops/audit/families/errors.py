"""Generic and blaming error messages.

Reads the texts users see when something fails: templates (HTML, Jinja, Handlebars, ERB, EJS, Twig, Vue,
Svelte…), locale files (JSON and YAML under a ``locale``/``i18n``/``translations`` folder or named like
``en.json``, gettext ``.po``/``.pot``, Java ``.properties``), string literals and JSX text in JavaScript and
TypeScript, and — live mode — the responses of the URLs and HAR files audited. Each text is judged with what
surrounds it: its key (``payment.error.generic``), the elements around it (``role="alert"``,
``class="field-error"``), the call it is passed to, the file's path, or the response's status.

Rules
-----
``errors/blame-on-server-error``
    An error text blames the user ("please check your card details", "you entered", "make sure you",
    "you must", "you forgot", "incorrect", "invalid card", "clear your cache", "your browser") where the
    fault may be the service's. GOV.UK keeps error messages for problems with what the user entered and
    sends service faults to a "Sorry, there is a problem with the service" page; NN/g: don't blame the user.
    Severity: **high** for a 5xx response whose body blames the user (live URL or HAR entry); **medium** in
    code on a payment, checkout, basket or sign-in path (judged from the file path, the key, the elements'
    ids and classes, or the text naming a card, payment or password); **low** elsewhere. Not flagged: a text
    keyed or placed as one field's validation (``validation.card_number.invalid``, ``errors.email.blank``,
    ``invalid_credentials``, a ``govuk-error-message``/``invalid-feedback`` element, a Yup/Zod
    ``.required("…")``), a sign-in rejection ("The email address or password is incorrect"), a 404 template
    ("If you typed the web address, check it is correct" is GOV.UK's own wording), any 4xx response, and texts
    not placed as errors at all ("You must be 18 or over to apply" as a hint).
``errors/dead-end``
    A vague error — "Something went wrong", "An error occurred", "Unknown error", "Unexpected error",
    "We are experiencing technical difficulties", a bare "Error" or "Request failed" — with no retry,
    contact, alternative route or word on the user's data nearby: the other parts of the same message in a
    locale file (``title``/``body``/``retry``… keys under one parent; sibling *alternative* messages do not
    count), the same block element of a template, the next line of a script, or the whole response. Severity: **medium** on a payment/checkout/sign-in path and in an
    error response (4xx page or 5xx), **low** elsewhere. Source: GOV.UK problem-with-the-service pages;
    NN/g (constructive advice).
``errors/levity``
    "Oops", "Whoops", "Uh-oh", "Oh snap", "Yikes" in an error. Humour reads as mockery to someone who has
    just lost their payment. GOV.UK bans it. Severity: **low** in code, **medium** in an error response.
``errors/jargon-leak``
    Technical detail shown to users: "Bad request", "Internal server error", "exception", "null",
    "undefined", "NaN", "forbidden"/"illegal"/"prohibited", stack traces (``at com.shop.Pay(Pay.java:42)``,
    ``Traceback (most recent call last)``, ``TypeError:``, ``NullPointerException``), a raw exception message
    interpolated into an error (``{{ error.message }}``, ``<%= exception.getMessage() %>``), and bare error codes ("Error 500",
    "ERR_1042" alone; a code the user is asked to quote to support is fine). Words like "exception" or
    "null" count only in an error ("With the exception of bank holidays…" is not). Severity: **low** in
    code, **medium** on a payment/sign-in path and in error responses (a stack trace also leaks internals).
``errors/bare-invalid``
    "Invalid", "Invalid input", "Value is invalid", "This field is not valid", Rails' "is invalid": the
    text says neither which field nor how to fix it. Severity: **low**. Pragmatic choice: GOV.UK avoids
    "valid/invalid" altogether, but a sentence naming the field and the fix ("Enter a valid postcode, like
    SW1A 1AA") is accepted; only the bare forms are flagged.
``errors/status-mismatch`` (live mode)
    An error page served with 200 (its ``<title>`` or first ``<h1>`` says "Error", "Page not found",
    "Something went wrong", "Sorry, there is a problem with the service", "500…"), or a 4xx response that
    describes a server fault ("Internal server error", "problem with the service", "database error").
    Monitors, caches and crawlers trust the status; a 200 error page hides the outage from our own probes.
    Severity: **medium**. Source: RFC 9110 §15; rules.md §4 check 6.

Not read, on purpose: comments (HTML, template, JS), log calls to developers (``console.*``, ``logger.*``,
``log.*``), ``throw new Error("…")`` and other exception messages, imports, comparisons (``=== "failed"``),
identifiers and i18n keys (``t("errors.generic")``), JSON API error bodies of 4xx responses (they are for
developers), and test files (``tests/``, ``__tests__/``, ``spec/``, ``fixtures/``, ``*.test.js``,
``*.spec.ts``, ``test_*``): their assertions quote texts defined, and reported, elsewhere. Only English is
checked: in a ``.po`` file the translation is read when present, else the ``msgid``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any

import yaml

from trustops.audit.findings import AuditWarning, Finding, Location, Severity, quote
from trustops.audit.scanner import Context, Family
from trustops.audit.sources import Response

BLAME = "errors/blame-on-server-error"
DEAD_END = "errors/dead-end"
LEVITY = "errors/levity"
JARGON = "errors/jargon-leak"
BARE_INVALID = "errors/bare-invalid"
STATUS = "errors/status-mismatch"

GOVUK_MESSAGE = "GOV.UK Design System: Error message (alphagov/govuk-design-system src/components/error-message)"
GOVUK_PROBLEM = (
    "GOV.UK Design System: 'There is a problem with the service' pages "
    "(alphagov/govuk-design-system src/patterns/problem-with-the-service-pages)"
)
NNG = "Nielsen Norman Group: Error-Message Guidelines (nngroup.com/articles/error-message-guidelines/)"
RFC9110 = "RFC 9110 HTTP Semantics §15 (status codes)"
WCAG_SUGGEST = "WCAG 2.2 SC 3.3.3 Error Suggestion"

PROBLEM_PAGE = (
    "'Sorry, there is a problem with the service. Try again later. We saved your answers' (or: 'Your card "
    "has not been charged'), then a contact and another way to finish"
)
FIX = {
    BLAME: "Do not blame the user for a fault that may be ours: for a service fault say " + PROBLEM_PAGE + "; keep "
    "'Check your card number' only for a validation message tied to that field.",
    DEAD_END: "Say what happened and what to do next: " + PROBLEM_PAGE + ".",
    LEVITY: "Drop the humour: 'Sorry, there is a problem with the service. Try again later.' plus a contact.",
    JARGON: "Keep technical detail (status codes, exception names, stack traces) in the logs; show "
    + PROBLEM_PAGE
    + ", and at most a reference the user can quote to support.",
    BARE_INVALID: "Name the field and how to fix it, e.g. 'Enter a card number in the correct format, like "
    "4111 1111 1111 1111' or 'Enter a real postcode, like SW1A 1AA'.",
}

# --- what the texts say ---------------------------------------------------------------------------------
BLAME_TEXT = re.compile(
    r"\b(you\s+(?:have\s+)?(?:entered|typed|provided|supplied)|(?:please\s+)?(?:double[- ]?)?check\s+(?:your|the)\s+(?:card|details|information|input|entry|entries|answers?"
    r"|connection|internet|network|spelling|e-?mail|password|data|settings|browser|device|account\s+details)"
    r"|make\s+sure\s+(?:you|your|that)|you\s+must|you\s+forgot|you\s+(?:did\s*not|didn't|have\s+not|haven't)\s+(?:enter|fill|provide|select|complete|choose|type|give)\w*"
    r"|incorrect|invalid\s+(?:input|card|details|data|entry|information|credentials|payment)"
    r"|wrong\s+(?:card|details|information|input)|clear\s+your\s+(?:browser(?:'s)?\s+)?(?:cache|cookies)"
    r"|your\s+browser|you\s+(?:have\s+)?made\s+an?\s+(?:error|mistake))\b",
    re.I,
)
VAGUE_TEXT = re.compile(
    r"\b(something\s+(?:went|has\s+gone|is)\s+wrong|an?\s+(?:unknown\s+|unexpected\s+|internal\s+)?error\s+"
    r"(?:has\s+)?occurr?ed|(?:unknown|unexpected|unspecified|general|generic)\s+error|error\s+occurr?ed"
    r"|experiencing\s+technical\s+difficulties|(?:request|operation|action)\s+failed)\b",
    re.I,
)
BARE_WORD = re.compile(r"^\W*(?:error|failed|failure|fail)\W*$", re.I)
LEVITY_TEXT = re.compile(r"\b(oops+|whoops+|uh[- ]?oh|oh\s+(?:snap|no|dear)|yikes|d'oh|aw\s+snap)\b", re.I)
JARGON_TEXT = re.compile(
    r"\b(bad\s+request|internal\s+server\s+error|exception|stack\s*trace|traceback|null|undefined|segmentation\s+fault"
    r"|form\s+post\s+error|database\s+error|(?:error|status)\s*(?:code\s*)?:?\s*[45]\d\d|forbidden|illegal|prohibited|unhandled|errno|http\s*[45]\d\d|status\s+code\s+[45]\d\d)\b",
    re.I,
)
JARGON_CODE = re.compile(
    r"\bNaN\b|\b[A-Z]\w*(?:Exception|Error)\b(?::|\s+at\b)|\b[A-Z]\w+Exception\b|Traceback \(most recent call last\)"
    r"|\bat\s+[\w$.<>]+\s*\([\w./\\:-]+:\d+(?::\d+)?\)|\bat\s+[\w$]+(?:\.[\w$]+)+\([\w]+\.java:\d+\)"
    r"|File\s+\"[^\"]+\",\s+line\s+\d+"
)
STACK = re.compile(r"Traceback \(most recent|\bat\s+[\w$.<>]+\s*\([\w./\\:-]+:\d+|File\s+\"[^\"]+\",\s+line\s+\d+")
ERROR_CODE = re.compile(r"\b(?:[45]\d\d|[A-Z]{2,8}[_-]\d{2,6}|E\d{3,5}|0x[0-9A-Fa-f]{4,})\b")
BARE_INVALID_TEXT = re.compile(
    r"^\W*(?:invalid(?:\s+\w+){0,2}|(?:(?:this|the)\s+)?(?:\w+\s+){0,2}(?:is|are)\s+(?:invalid|not\s+valid)"
    r"|(?:input|value|entry|field|data)\s+invalid|not\s+valid)\W*$",
    re.I,
)
ERRORISH_TEXT = re.compile(
    r"\b(errors?|failed|failure|fail|could\s*n[o']?t|cannot|can't|unable|problem|declined|wrong|denied|rejected"
    r"|invalid|incorrect|sorry|try\s+again|not\s+(?:be\s+)?processed|unavailable)\b",
    re.I,
)
HELPFUL = re.compile(
    r"\b(try\s+again|retry|reload|refresh|contact|call\s+us|e-?mail\s+us|get\s+in\s+touch|support|help"
    r"|status\s+page|go\s+back|go\s+to|return\s+to|start\s+again|homepage|home\s+page|alternatively|you\s+can\s+also"
    r"|other\s+ways?|later|not\s+been\s+charged|not\s+charged|(?:have|has|were|was)\s+(?:been\s+)?saved"
    r"|reference|quote)\b",
    re.I,
)
CREDENTIALS_TEXT = re.compile(
    r"\b(?:e-?mail(?:\s+address)?|username|user\s+name|customer\s+number|password|passcode|pin)\b.{0,60}\b(?:is|are)"
    r"\s+(?:incorrect|not\s+correct|wrong)|\b(?:password|passcode|pin)\b.{0,30}\b(?:does\s*n[o']t|do\s*n[o']t)\s+match",
    re.I,
)
RAW_ERROR = re.compile(
    r"\b(?:error|err|ex|exc|exception)\.(?:message|stack|getMessage\(\)|toString\(\))|\$\{?exception\b|\.stack\b"
)
CRITICAL_TEXT = re.compile(r"\b(card|payment|checkout|basket|sign\s+in|log\s+in|password)\b", re.I)
ERROR_PAGE_TITLE = re.compile(
    r"^\W*(?:error\b|[45]\d\d(?:\s*$|\s*[-–:|]|\s+(?:error|not|internal|service|bad|page|gateway))|oops|whoops"
    r"|something\s+went\s+wrong|sorry,?\s+there\s+(?:is|was|'s)\s+a\s+problem|page\s+not\s+found|not\s+found\b"
    r"|internal\s+server\s+error|service\s+unavailable|an?\s+(?:unexpected\s+)?error\s+(?:has\s+)?occurred"
    r"|bad\s+gateway|gateway\s+time-?out|access\s+denied)",
    re.I,
)
SERVER_FAULT_TEXT = re.compile(
    r"\b(internal\s+server\s+error|problem\s+with\s+the\s+service|database\s+error|upstream\s+(?:connect\s+)?error"
    r"|unexpected\s+server\s+error)\b",
    re.I,
)

# --- what the words around a text say ------------------------------------------------------------------
ERROR_WORDS = frozenset(
    "error errors err fail failed failure problem problems declined decline alert alerts exception invalid "
    "flash unavailable denied rejected danger oops fault faults".split()
)
VALIDATION_WORDS = frozenset(
    "validation validations validate validator validators field fields attributes required blank empty missing "
    "format pattern short long min max length mismatch taken confirmation feedback hint".split()
)
FIELD_NAMES = tuple(
    tuple(name.split())
    for name in (
        "card number", "cardnumber", "number", "cvc", "cvv", "cv2", "security code", "expiry", "expiry date",
        "exp", "exp month", "exp year", "postcode", "postal code", "zip", "zipcode", "email", "email address",
        "password", "phone", "phone number", "mobile", "name", "full name", "first name", "last name", "surname",
        "dob", "date of birth", "birth date", "age", "iban", "bic", "sort code", "account number", "address",
        "street", "city", "country", "username", "name on card", "cardholder", "terms", "consent", "quantity",
        "amount", "coupon", "promo code", "voucher", "otp", "pin", "credentials", "nino", "vat number",
    )
)  # fmt: skip
CRITICAL_WORDS = frozenset(
    "pay payment payments checkout billing basket cart purchase subscribe subscription login logon signin auth "
    "authentication authenticate password signup register registration invoice wallet donate donation stripe "
    "paypal".split()
)
CRITICAL_PAIRS = (("sign", "in"), ("log", "in"), ("sign", "up"))
TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

LOCALE_DIRS = frozenset("locale locales i18n l10n lang langs language languages translations translation messages strings".split())  # fmt: skip
LOCALE_STEM = re.compile(r"^(?:[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?|messages|strings|translations|errors)$")
TEST_DIRS = frozenset("test tests __tests__ spec specs __mocks__ cypress e2e fixtures testdata test_data".split())
TEST_NAME = re.compile(r"(?:^test_|_test\.|\.(?:test|spec|cy)\.)", re.I)
MARKUP = frozenset(
    ".html .htm .xhtml .jinja .jinja2 .j2 .njk .hbs .handlebars .mustache .erb .ejs .twig .liquid .tpl .vue "
    ".svelte .cshtml .jsp".split()
)
SCRIPT = frozenset(".js .jsx .ts .tsx .mjs .cjs".split())


def tokens(text: str) -> list[str]:
    return [word.lower() for word in TOKEN.findall(text)]


def has_field(words: list[str]) -> bool:
    joined = f" {' '.join(words)} "
    return any(f" {' '.join(name)} " in joined for name in FIELD_NAMES)


def is_critical(words: list[str]) -> bool:
    pairs = set(zip(words, words[1:], strict=False))
    return bool(CRITICAL_WORDS.intersection(words)) or any(pair in pairs for pair in CRITICAL_PAIRS)


@dataclass
class Text:
    """One text a user may see, with what places it: ``scope`` (key, elements, call) and ``path``."""

    text: str
    line: int = 0
    column: int = 0
    scope: str = ""
    group: str = ""  # texts of one group are "nearby" (a locale parent key); else a window of lines
    errorish: bool = False  # placed as an error by its key, element or call
    field: bool = False  # placed as one field's validation message
    nearby: str = ""
    container: int = -1  # markup: the innermost block element holding the text
    ancestors: frozenset[int] = frozenset()


@dataclass
class Where:
    """The file or response the texts came from, and what is known about it."""

    path: str | None
    url: str | None = None
    status: int | None = None
    critical: bool = False
    errorish: bool = False
    client_error: bool = False  # a 4xx page (404.html…): "check the address" is right there
    window: int = 5
    texts: list[Text] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.status is not None


# --- reading texts from files ----------------------------------------------------------------------------
def is_test_file(display: str) -> bool:
    path = PurePosixPath(display)
    return bool(TEST_DIRS.intersection(part.lower() for part in path.parts[:-1])) or bool(TEST_NAME.search(path.name))


def is_locale(display: str) -> bool:
    path = PurePosixPath(display)
    return bool(LOCALE_DIRS.intersection(part.lower() for part in path.parts[:-1])) or bool(
        LOCALE_STEM.match(path.stem.split(".")[0])
    )


def looks_like_prose(text: str, *, codes: bool = False) -> bool:
    """A text shown to people, not a key, identifier, path or selector."""
    if not re.search(r"[A-Za-z]", text) or re.search(r"^(?:https?:|/|\.{0,2}/|#\w|\.\w+\s*\{)", text):
        return False
    if re.search(r"[A-Za-z]{2,}\s+[A-Za-z]", text):
        return True
    if re.fullmatch(r"[A-Z][a-z]+[.!?:]*|[A-Z]+[.!?:]*", text.strip()):
        return bool(
            BARE_WORD.match(text)
            or BARE_INVALID_TEXT.match(text)
            or LEVITY_TEXT.search(text)
            or JARGON_TEXT.search(text)
        )
    return codes and bool(re.fullmatch(r"\W*(?:error|err|code)?\W*" + ERROR_CODE.pattern + r"\W*", text, re.I))


def read_locale_tree(source_text: str, suffix: str) -> Iterator[tuple[list[str], str, int, int]]:
    """(key path, text, line, column) for every string in a JSON or YAML locale file."""
    try:
        documents = list(yaml.compose_all(source_text))
    except yaml.YAMLError:
        if suffix != ".json":
            raise
        yield from _json_leaves(source_text)
        return
    for document in documents:
        if document is not None:
            yield from _yaml_leaves(document, [])


def _yaml_leaves(node: yaml.Node, path: list[str]) -> Iterator[tuple[list[str], str, int, int]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _yaml_leaves(value, [*path, str(key.value)])
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _yaml_leaves(item, [*path, str(index)])
    elif isinstance(node, yaml.ScalarNode) and isinstance(node.value, str) and node.tag.endswith(":str"):
        yield path, node.value, node.start_mark.line + 1, node.start_mark.column + 1


def _json_leaves(text: str) -> Iterator[tuple[list[str], str, int, int]]:
    lines = text.splitlines()
    cursor = 0

    def walk(value: Any, path: list[str]) -> Iterator[tuple[list[str], str, int, int]]:
        nonlocal cursor
        if isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, [*path, str(key)])
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, [*path, str(index)])
        elif isinstance(value, str):
            quoted = json.dumps(value, ensure_ascii=False)
            found = next((n for n in range(cursor, len(lines)) if quoted in lines[n]), None)
            if found is not None:
                cursor = found
            yield path, value, (found or 0) + 1 if found is not None else 0, 0

    yield from walk(json.loads(text), [])


def locale_texts(where: Where, source_text: str, suffix: str) -> None:
    for path, value, line, column in read_locale_tree(source_text, suffix):
        add_keyed(where, path, value, line, column)


MESSAGE_PARTS = frozenset(
    "title heading header summary body text description detail details message action actions retry cta button link "
    "contact help hint next_steps what_next".split()
)


def add_keyed(where: Where, path: list[str], value: str, line: int, column: int) -> None:
    text = " ".join(value.split())
    if not looks_like_prose(text, codes=True):
        return
    words = tokens(" ".join(path))
    where.texts.append(
        Text(
            text,
            line,
            column,
            scope=".".join(path),
            # the parts of one message (title, body, retry link) are read together; other keys stand alone
            group=".".join(path[:-1]) if path and path[-1].lower() in MESSAGE_PARTS else ".".join(path) or "-",
            errorish=bool(ERROR_WORDS.intersection(words)),
            field=has_field(words[1:]) or bool(VALIDATION_WORDS.intersection(words) or CREDENTIALS_TEXT.search(text)),
        )
    )


def properties_texts(where: Where, source_text: str) -> None:
    lines = source_text.splitlines()
    number = 0
    while number < len(lines):
        start, logical = number + 1, lines[number]
        while logical.endswith("\\") and not logical.endswith("\\\\") and number + 1 < len(lines):
            number += 1
            logical = logical[:-1] + lines[number].lstrip()
        number += 1
        stripped = logical.strip()
        if not stripped or stripped[0] in "#!":
            continue
        match = re.match(r"((?:\\.|[^=:\s])+)\s*[=:\s]\s*(.*)", stripped)
        if match:
            value = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), match.group(2))
            add_keyed(where, match.group(1).split("."), value.replace("\\", ""), start, 0)


def po_texts(where: Where, source_text: str, *, template: bool) -> None:
    """gettext catalogues: the translation when there is one, else the source text (``msgid``)."""
    entry: dict[str, tuple[str, int]] = {}
    refs = ""
    current = ""

    def flush() -> None:
        msgid, msgstr = entry.get("msgid", ("", 0)), entry.get("msgstr", ("", 0))
        text, line = (msgid if template or not msgstr[0] else msgstr) if msgid[0] else ("", 0)
        if text:
            context = entry.get("msgctxt", ("", 0))[0]
            add_keyed(where, [refs, context, "msg"], text, line, 0)

    for number, raw in enumerate(source_text.splitlines(), 1):
        line = raw.strip()
        if not line:
            flush()
            entry, refs, current = {}, "", ""
        elif line.startswith("#:"):
            refs += " " + line[2:]
        elif line.startswith("#"):
            continue
        elif match := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[0\])?|msgstr\[\d+\])\s+\"(.*)\"$", line):
            current = "msgstr" if match.group(1).startswith("msgstr[0]") else match.group(1)
            if current in ("msgctxt", "msgid", "msgstr"):
                entry[current] = (unescape(match.group(2)), number)
        elif line.startswith('"') and current in entry:
            text, at = entry[current]
            entry[current] = (text + unescape(line[1:-1]), at)
    flush()


def unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", " ").replace("\\t", " ").replace("\\\\", "\\")


# --- markup (templates, HTML, Vue, Svelte, live pages) ------------------------------------------------------
INLINE = frozenset(
    "a abbr b bdi bdo button cite code em i kbd label mark p q s samp small span strong sub sup time u var "
    "h1 h2 h3 h4 h5 h6 li dt dd td th title".split()
)
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
TEXT_ATTRS = frozenset("title alt aria-label placeholder data-error data-error-message data-message".split())
SCOPE_ATTRS = frozenset("id class role name for data-field aria-describedby data-testid".split())
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{\{!--.*?--\}\}|\{\{![^}]*\}\}|<%#.*?%>|<%--.*?--%>", re.S)
TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|<%.*?%>|\{\{\{.*?\}\}\}|\$\{[^}]*\}|\{[#/:@][^}]*\}", re.S)
SERVER_TAG = re.compile(r"<%(.*?)%>", re.S)
QUOTED = re.compile(r"\"((?:\\.|[^\"\\])*)\"|'((?:\\.|[^'\\])*)'")


def blank_out(text: str, pattern: re.Pattern[str]) -> str:
    """Replace matches with spaces, keeping newlines so line numbers hold."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


class MarkupReader(HTMLParser):
    def __init__(self, where: Where, *, scripts: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.where = where
        self.scripts = scripts
        self.stack: list[tuple[str, str, int]] = []  # (tag, the words of its id/class/role…, element number)
        self.elements = 0
        self.title = ""
        self.h1 = ""
        self.in_title = self.in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        scope = " ".join(value or "" for name, value in attrs if name in SCOPE_ATTRS or name.startswith("data-"))
        if any(name == "role" and value == "alert" for name, value in attrs):
            scope += " alert"
        line, column = self.getpos()
        for name, value in attrs:
            if name in TEXT_ATTRS and value:
                self.add(value, line, column + 1, extra=scope)
        if tag in VOID:
            return
        self.elements += 1
        self.stack.append((tag, scope, self.elements))
        self.in_title |= tag == "title"
        self.in_h1 |= tag == "h1" and not self.h1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag == "h1":
            self.in_h1 = False
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        line, column = self.getpos()
        tag = self.stack[-1][0] if self.stack else ""
        if tag == "style":
            return
        if tag == "script":
            if self.scripts:
                script_texts(self.where, data, first_line=line)
            return
        if self.in_title:
            self.title += data
        if self.in_h1:
            self.h1 += data
        self.add_run(data, line, column)

    def add_run(self, data: str, line: int, column: int) -> None:
        for match in TEMPLATE_TAG.finditer(data):
            at = line + data.count("\n", 0, match.start())
            if match.group(0).startswith(("{{", "{%=", "${")) and RAW_ERROR.search(match.group(0)):
                self.add(" ".join(match.group(0).split()), at, 0, raw=True)
            for quoted in QUOTED.finditer(match.group(0)):
                self.add(quoted.group(1) or quoted.group(2) or "", at, 0)
        visible = blank_out(data, TEMPLATE_TAG)
        for chunk in re.finditer(r"\S(?:.*\S)?", visible):
            at = line + visible.count("\n", 0, chunk.start())
            self.add(chunk.group(0), at, column + 1 if at == line else 0)

    def add(self, text: str, line: int, column: int, extra: str = "", raw: bool = False) -> None:
        text = " ".join(text.split())
        if not raw and not looks_like_prose(text, codes=self.where.errorish or self.where.live):
            return
        scope = " ".join(s for _, s, _ in self.stack) + " " + extra
        blocks = [number for tag, _, number in self.stack if tag not in INLINE]
        words = tokens(scope)
        self.where.texts.append(
            Text(
                text,
                line,
                column,
                scope=scope.strip(),
                errorish=bool(ERROR_WORDS.intersection(words)),
                field=has_field(words) or bool(VALIDATION_WORDS.intersection(words) or CREDENTIALS_TEXT.search(text)),
                container=blocks[-1] if blocks else 0,
                ancestors=frozenset(number for _, _, number in self.stack) | {0},
            )
        )


def markup_texts(where: Where, source_text: str, *, scripts: bool = True) -> MarkupReader:
    reader = MarkupReader(where, scripts=scripts)
    # ERB/JSP/EJS tags look like broken markup to HTMLParser: give them Jinja's delimiters (same length).
    source_text = SERVER_TAG.sub(lambda m: "{%" + m.group(1) + "%}", blank_out(source_text, TEMPLATE_COMMENT))
    reader.feed(source_text)
    reader.close()
    return reader


# --- JavaScript and TypeScript ---------------------------------------------------------------------------
DEVELOPER_CALL = re.compile(
    r"(?:console\.\w+|logger\.\w+|\blog(?:ger)?\.\w+|\bdebug|new\s+\w*(?:Error|Exception)|\bthrow\b|\brequire"
    r"|\bimport\b|\bassert\w*|\bexpect)\s*\("
    r"|(?:querySelector(?:All)?|getElementById|addEventListener|\.test|\.match|\.includes|\.startsWith|\.endsWith"
    r"|\.indexOf|\.split|\.replace|getItem|setItem|fetch|===?|!==?|\bcase|\btypeof|\bfrom|\bt|\$t|i18n\.t"
    r"|\bintl\.formatMessage)\s*\(?\s*$"
)
JS_ERRORISH = re.compile(r"error|Error|\berr\b|fail|Fail|alert|toast|notify|reject|catch|problem|flash|snackbar")
JS_VALIDATION = re.compile(
    r"validat|\.(?:required|matches|min|max|email|length|regex|refine|test|typeError|oneOf|url|positive)\s*\(|"
    r"setFieldError|fieldErrors?|\bfield\b|\brules\b|\berrors\s*\.\s*\w+\s*=|\berrors\[|\b(\w+)\s*:\s*$"
)
STRING_START = re.compile(r"//|/\*|[\"'`]|/")


def script_texts(where: Where, source: str, *, first_line: int = 1, jsx: bool = False) -> None:
    """String literals (and, in JSX/TSX, the text between tags) a user may see."""
    found: list[tuple[int, int, str]] = []  # (offset of the literal, its end, its text)
    position, length = 0, len(source)
    while position < length:
        match = STRING_START.search(source, position)
        if match is None:
            break
        start, token = match.start(), match.group(0)
        if token == "//":
            end = source.find("\n", start)
            position = length if end < 0 else end
        elif token == "/*":
            end = source.find("*/", start + 2)
            position = length if end < 0 else end + 2
        elif token == "/":
            before = source[max(0, start - 40) : start].rstrip()
            regex = not before or before[-1] in "(,=:[!&|?{};+-*%~^<>" or before.endswith("return")
            position = _skip_regex(source, start) if regex else start + 1
        else:
            end = _string_end(source, start, token)
            found.append((start, end, source[start + 1 : end - 1]))
            position = end
    for start, _end, literal in found:
        _add_script_text(where, source, start, literal, first_line)
    if jsx:
        for match in re.finditer(r">([^<>{}();=&|`\"]+)<", source):
            _add_script_text(where, source, match.start(1), match.group(1), first_line, jsx=True)


def _string_end(source: str, start: int, quote: str) -> int:
    position = start + 1
    while position < len(source):
        char = source[position]
        if char == "\\":
            position += 2
            continue
        if char == quote:
            return position + 1
        if char == "\n" and quote != "`":
            return position
        position += 1
    return len(source)


def _skip_regex(source: str, start: int) -> int:
    position, in_class = start + 1, False
    while position < len(source) and source[position] != "\n":
        char = source[position]
        if char == "\\":
            position += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            return position + 1
        position += 1
    return position


def _add_script_text(where: Where, source: str, start: int, literal: str, first_line: int, jsx: bool = False) -> None:
    text = " ".join(re.sub(r"<[^>]+>|\$\{[^}]*\}", " ", literal).split())
    if not looks_like_prose(text):
        return
    line_start = source.rfind("\n", 0, start) + 1
    before = source[line_start:start]
    if not jsx and DEVELOPER_CALL.search(before):
        return
    line = first_line + source.count("\n", 0, start)
    window = source[source.rfind("\n", 0, max(0, line_start - 1)) + 1 : source.find("\n", start) % (len(source) + 1)]
    where.texts.append(
        Text(
            text,
            line,
            start - line_start + 1,
            scope=before.strip(),
            errorish=bool(JS_ERRORISH.search(window)),
            field=bool(JS_VALIDATION.search(before)) and has_field(tokens(before)) or "validat" in before.lower(),
        )
    )


# --- live responses --------------------------------------------------------------------------------------
def response_texts(where: Where, response_body: str, content_type: str) -> MarkupReader | None:
    body = response_body.lstrip()
    if "json" in content_type or body[:1] in "{[":
        try:
            data = json.loads(body)
        except ValueError:
            return None
        for path, value in _plain_leaves(data, []):
            add_keyed(where, path, value, 0, 0)
        return None
    if "html" in content_type or body[:1] == "<":
        return markup_texts(where, response_body, scripts=False)
    for number, line in enumerate(response_body.splitlines(), 1):
        add_keyed(where, ["body"], line, number, 0)
    return None


def _plain_leaves(value: Any, path: list[str]) -> Iterator[tuple[list[str], str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _plain_leaves(item, [*path, str(key)])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _plain_leaves(item, [*path, str(index)])
    elif isinstance(value, str):
        yield path, value


# --- judging ---------------------------------------------------------------------------------------------
def fill_nearby(where: Where) -> None:
    groups: dict[str, list[str]] = {}
    for text in where.texts:
        if text.group:
            groups.setdefault(text.group, []).append(text.text)
    everything = " ".join(t.text for t in where.texts) if where.live else ""
    for text in where.texts:
        if where.live:
            text.nearby = everything
        elif text.group:
            text.nearby = " ".join(groups[text.group])
        elif text.container >= 0:
            text.nearby = " ".join(t.text for t in where.texts if text.container in t.ancestors)
        else:
            text.nearby = " ".join(t.text for t in where.texts if abs(t.line - text.line) <= where.window)


def judge(where: Where, text: Text) -> Iterator[tuple[str, Severity, str]]:
    """The rules one text breaks: (rule, severity, message)."""
    words = tokens(text.scope)
    critical = where.critical or is_critical(words) or bool(CRITICAL_TEXT.search(text.text))
    erroring = where.status is not None and where.status >= 400
    errorish = text.errorish or where.errorish or bool(ERRORISH_TEXT.search(text.text)) or erroring
    blame = BLAME_TEXT.search(text.text)
    plain = "a payment or sign-in path" if critical else "this path"
    if blame and errorish:
        quoted = blame.group(0)
        if where.status is not None and where.status >= 500:
            yield BLAME, Severity.HIGH, f"A {where.status} response blames the user ('{quoted}') for a server fault."
        elif where.status is None and not text.field and not where.client_error:
            severity = Severity.MEDIUM if critical else Severity.LOW
            yield BLAME, severity, f"An error on {plain} blames the user ('{quoted}') for what may be a service fault."
    vague = VAGUE_TEXT.search(text.text) or BARE_WORD.match(text.text)
    if vague and not HELPFUL.search(text.nearby):
        severity = Severity.MEDIUM if critical or erroring else Severity.LOW
        what = vague.group(0).strip(" .!")
        yield (
            DEAD_END,
            severity,
            f"'{what}' says neither what happened nor what to do next (no retry, contact or route).",
        )
    levity = LEVITY_TEXT.search(text.text)
    if levity and (errorish or levity.start() < 3):
        severity = Severity.MEDIUM if erroring else Severity.LOW
        yield LEVITY, severity, f"'{levity.group(0)}' makes light of an error the user cannot get past."
    jargon = jargon_in(text, errorish)
    if jargon:
        severity = Severity.MEDIUM if critical or erroring else Severity.LOW
        yield JARGON, severity, f"An error shows users technical jargon ('{jargon}') instead of what to do."
    if BARE_INVALID_TEXT.match(text.text) and not (blame and errorish and not text.field):
        yield BARE_INVALID, Severity.LOW, "'Invalid' alone says neither which answer is wrong nor how to fix it."


def jargon_in(text: Text, errorish: bool) -> str | None:
    code = JARGON_CODE.search(text.text) or RAW_ERROR.search(text.text)
    if code:
        return code.group(0)[:60]
    words = JARGON_TEXT.search(text.text)
    if words and errorish:
        return words.group(0)
    error_code = ERROR_CODE.search(text.text)
    if error_code and errorish and not HELPFUL.search(text.text):
        rest = ERROR_CODE.sub(" ", text.text)
        if len(re.findall(r"[A-Za-z]+", rest)) <= 4:
            return error_code.group(0)
    return None


def findings_of(where: Where) -> Iterator[Finding]:
    fill_nearby(where)
    seen: set[tuple[str, int, str]] = set()
    for text in where.texts:
        for rule, severity, message in judge(where, text):
            # one finding per rule and response: a stack trace is one leak, not one per frame
            key = (rule, 0, "") if where.live else (rule, text.line, "")
            if key in seen:
                continue
            seen.add(key)
            sources = (GOVUK_PROBLEM, GOVUK_MESSAGE, NNG) if rule != BARE_INVALID else (GOVUK_MESSAGE, WCAG_SUGGEST)
            yield Finding(rule, severity, message, locate(where, text), quote(text.text), FIX[rule], sources)


def locate(where: Where, text: Text) -> Location:
    if where.url is not None:
        return Location(path=where.path, url=where.url, status=where.status)
    return Location(path=where.path, line=text.line, column=text.column)


# --- the family ------------------------------------------------------------------------------------------
def read_file(where: Where, text: str, suffix: str, display: str) -> None:
    if suffix in (".json", ".yaml", ".yml") and is_locale(display):
        locale_texts(where, text, suffix)
    elif suffix in (".po", ".pot"):
        po_texts(where, text, template=suffix == ".pot")
    elif suffix == ".properties":
        properties_texts(where, text)
    elif suffix in MARKUP:
        markup_texts(where, text)
    elif suffix in SCRIPT and not display.endswith((".min.js", ".d.ts")):
        if max((len(line) for line in text.splitlines()), default=0) <= 1000:
            where.window = 1
            script_texts(where, text, jsx=suffix in (".jsx", ".tsx"))


def scan_files(context: Context) -> Iterator[Finding]:
    for source in context.sources.files:
        display = source.display
        if is_test_file(display) or source.suffix not in READABLE or source.text is None:
            continue
        path_words = tokens(display)
        where = Where(
            display,
            critical=is_critical(path_words),
            errorish=bool(ERROR_WORDS.intersection(path_words) or re.search(r"\b[45]\d\d\b", display)),
            client_error=bool(re.search(r"(?<![\d.])4\d\d(?!\d)", PurePosixPath(display).name)),
        )
        if not _safely(context.warn, display, read_file, where, source.text or "", source.suffix, display):
            continue
        yield from findings_of(where)


def scan_responses(context: Context) -> Iterator[Finding]:
    for response in context.sources.responses:
        if response.har and is_test_file(response.har):
            continue
        status, kind = response.status, response.content_type.lower()
        html = "html" in kind or response.body.lstrip()[:1] == "<"
        if status < 400 or (status < 500 and not html) or "javascript" in kind or "css" in kind:
            if 200 <= status < 300 and html:
                yield from status_of_ok_page(response)
            continue
        words = tokens(response.url)
        where = Where(response.har, response.url, status, critical=is_critical(words), errorish=True)
        if not _safely(context.warn, response.har or response.url, response_texts, where, response.body, kind):
            continue
        yield from findings_of(where)
        if status < 500:
            fault = SERVER_FAULT_TEXT.search(" ".join(t.text for t in where.texts))
            if fault and status not in (408, 429):
                yield status_finding(response, f"A {status} response describes a server fault ('{fault.group(0)}').")


def status_of_ok_page(response: Response) -> Iterator[Finding]:
    reader = markup_texts(Where(response.har, response.url, response.status), response.body, scripts=False)
    for heading in (reader.title, reader.h1):
        for piece in re.split(r"\s[|–—-]\s|\s·\s", " ".join(heading.split())):
            if ERROR_PAGE_TITLE.match(piece):
                message = f"An error page ('{quote(piece)}') is served with status {response.status}."
                yield status_finding(response, message)
                return


def status_finding(response: Response, message: str) -> Finding:
    fix = (
        "Serve the error page with the status of the fault: 500 or 503 for a problem with the service (with "
        "Retry-After), 404 for a missing page, 4xx only when the request itself was wrong, so monitors, caches "
        "and crawlers see it."
    )
    evidence = quote(" ".join(message.split("'")[1:2]) or message)
    location = Location(path=response.har, url=response.url, status=response.status)
    return Finding(STATUS, Severity.MEDIUM, message, location, evidence, fix, (RFC9110, GOVUK_PROBLEM))


def _safely(warn: Callable[[AuditWarning], None], target: str, read: Callable[..., object], *args: Any) -> bool:
    """Run a reader; a malformed file becomes a warning, never a crash."""
    try:
        read(*args)
    except (yaml.YAMLError, ValueError, RecursionError, AssertionError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        warn(AuditWarning(target, f"error messages not read: {reason}"))
        return False
    return True


READABLE = frozenset({".json", ".yaml", ".yml", ".po", ".pot", ".properties"}) | MARKUP | SCRIPT


def scan(context: Context) -> Iterable[Finding]:
    yield from scan_files(context)
    yield from scan_responses(context)


FAMILY = Family(
    id="errors",
    title="Generic and blaming error messages",
    doc=(
        "Finds error texts in templates, locale files, scripts and live responses that blame the user for what "
        "may be a service fault, dead-end vague errors, humour, technical jargon and bare 'invalid', and error "
        "pages served with the wrong status; each with the GOV.UK wording to use instead (GOV.UK Design "
        "System error messages and problem-with-the-service pages; NN/g error-message guidelines)."
    ),
    rules=(BLAME, DEAD_END, LEVITY, JARGON, BARE_INVALID, STATUS),
    scan=scan,
)
