"""Opaque retention: privacy policies that do not say how long data is kept, inventory entries without a
retention, and retention that no job enforces.

People have a right to know how long their data is kept: GDPR Art. 13(2)(a) and 14(2)(a) require "the period
for which the personal data will be stored, or if that is not possible, the criteria used to determine that
period", and CCPA/CPRA §1798.100(a)(3) requires the length of time *each category* is retained, or the
criteria. The Article 29 Working Party's transparency guidelines (WP260 rev.01) add that it is not enough to
say data is kept "as long as necessary". Art. 5(1)(e) (storage limitation) makes a disclosed period a promise
that some job must keep.

What is read as a privacy policy: a Markdown, HTML, template or plain-text file named like ``privacy*``,
``datenschutz*`` (``privacy-policy.md``, ``privacy_notice.en.html``, ``datenschutzerklaerung.txt``), and any
HTML or Markdown page (file, live URL or HAR response with a 2xx status) whose title or first-level heading
says "Privacy Policy", "Privacy Notice", "Privacy Statement", "Datenschutzerklärung" or "Politique de
confidentialité" (English is read best; German and French periods and phrases are known too). Cookie
banners, cookie policies, terms of service and pages that only *link* to a privacy policy are not policies.
A policy is cut into blocks (paragraphs, list items, table rows) under their headings, and blocks into
sentences. A sentence is a *retention statement* when it has a retention word (keep, retain, store, delete,
erase, expire, speichern, löschen…), or stands in a section about retention ("How long we keep your data",
"Speicherdauer"), or is a row of a table whose header names a retention, duration or expiry. A statement is
*concrete* when it gives a duration ("30 days", "2 years", "P13M") or concrete criteria (until you close your
account or unsubscribe, the end of the browser session or the contract, a statutory period cited by section such
as "§147 AO"); it is *vague* when it says only "as long as necessary", "as required by law", "for a reasonable
period"… A deadline for answering requests ("we respond within 30 days") is not a retention.

Rules:

``retention/policy-no-retention`` (high)
    A privacy policy that says nothing about how long data is kept: no retention section and no retention
    statement. Reported once per policy, at the file (line 0) or URL. Source: GDPR Art. 13(2)(a)/14(2)(a);
    CCPA §1798.100(a)(3).

``retention/policy-vague-retention`` (medium)
    A retention statement with a vague phrase and no period or criteria, in its own paragraph or in the
    blocks that follow it in the same section (so "as long as necessary, namely:" followed by a retention
    table is fine). Also reported, at its heading, for a retention section that gives neither. Source:
    WP260 rev.01 (Art. 13(2)(a)); CCPA §1798.100(a)(3).

``retention/category-without-period`` (low)
    A policy that gives periods for some data, but not for a category it says it collects: contact details,
    account data, payment data, orders, usage and log data, cookies, support messages, marketing and
    newsletters, job applications, location. Negated mentions ("we do not store card numbers") do not count;
    a list item led by a category ("Account data: your e-mail address…") is about that category only; a
    concrete statement that names no category (nor its heading; the policy's title does not count) covers
    every category; a reference to a separate cookie policy or cookie table covers cookies. Reported at the
    category's first mention, only when the policy gives at least one period (otherwise the two rules above
    apply). Source: CCPA §1798.100(a)(3) ("each category"); GDPR Art. 13(2)(a).

``retention/inventory-no-retention`` (medium)
    A data-inventory entry (``--inventory``) whose ``retention`` is empty or only a vague phrase. Reported
    at the inventory file and the entry's line. Source: GDPR Art. 5(1)(e) and 30(1)(f) (the envisaged time
    limits for erasure belong in the record of processing).

``retention/no-deletion-job`` (medium)
    Retention is declared but nothing enforces it: an inventory entry with a retention whose ``deletion`` is
    empty or is not *found*; or a privacy policy that discloses periods while the audited code holds no
    deletion mechanism at all (reported once per policy, only when the audit includes code). A deletion
    name is **found** when, compared without case and separators (``purge-inactive-customers`` =
    ``purge_inactive_customers`` = ``PurgeInactiveCustomersJob``), it is the name of a function, method,
    class or SQL function/procedure in code; the name of a script (its file stem); the name or a command word
    of a scheduled-job definition (crontab lines, Kubernetes CronJobs, systemd units, Celery beat entries and
    task names, Laravel ``$schedule->command`` and command signatures, pg_cron, APScheduler ids, scheduled CI
    workflows); an S3 lifecycle rule id; or a MongoDB TTL index (its name or collection). A deletion that
    describes a mechanism in words ("TTL index on sessions", "S3 lifecycle rule", "Redis EXPIRE") is found
    when the audited files hold a mechanism of that kind. A deletion mechanism is any of those whose name
    speaks of purging, pruning, expiring, anonymising or deleting old rows; SQL ``DELETE … WHERE … < now() -
    interval …``; ORM deletes filtered by age; TTL indexes (``expireAfterSeconds``); S3 lifecycle expiration; Redis
    ``EXPIRE``/``SETEX``; ClickHouse ``TTL``; Kafka ``retention.ms``; Elasticsearch ILM delete phases.
    Source: GDPR Art. 5(1)(e).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

from trustops.audit.findings import AuditWarning, Finding, Location, Severity, quote
from trustops.audit.inventory import Inventory, InventoryEntry
from trustops.audit.scanner import Context, Family
from trustops.audit.sources import FileSource, Response

GDPR_13 = (
    "GDPR Art. 13(2)(a) and 14(2)(a): the period for which personal data will be stored or, if that is not "
    "possible, the criteria used to determine that period"
)
GDPR_5 = "GDPR Art. 5(1)(e): storage limitation, kept no longer than necessary"
GDPR_30 = "GDPR Art. 30(1)(f): the envisaged time limits for erasure of the different categories of data"
CCPA = (
    "CCPA/CPRA Cal. Civ. Code §1798.100(a)(3): the length of time each category of personal information is "
    "retained, or the criteria used to determine it"
)
WP260 = (
    "Article 29 WP, Guidelines on transparency (WP260 rev.01): stating that data is kept 'as long as "
    "necessary' is not sufficient"
)

# -- what a policy is ------------------------------------------------------------------------------------------

MARKUP = frozenset({".html", ".htm", ".xhtml", ".j2", ".jinja", ".jinja2", ".njk", ".hbs", ".handlebars",
                    ".mustache", ".liquid", ".erb", ".ejs", ".twig"})  # fmt: skip
MARKDOWN = frozenset({".md", ".markdown", ".mdx"})
PLAIN = frozenset({".txt", ".text", ".rst", ""})
POLICY_NAME = re.compile(
    r"^(?:privacy|datenschutz)(?:erkl(?:ae|ä)rung|hinweise?|information)?"
    r"(?:[-_ ]?(?:policy|notice|statement|erkl(?:ae|ä)rung))?"
    r"(?:[-_.](?:[a-z]{2})(?:[-_][a-z]{2})?)?$"
)
POLICY_TITLE = re.compile(
    r"\b(?:privacy(?:\s*(?:&|and)\s*cookies?)?\s+(?:policy|notice|statement)|datenschutzerkl(?:ä|ae)rung|"
    r"datenschutzhinweise|politique\s+de\s+confidentialit(?:é|e))\b",
    re.IGNORECASE,
)

# -- what a policy says ----------------------------------------------------------------------------------------

RETENTION_HEADING = re.compile(
    r"\b(?:retention|retain|how\s+long|storage\s+(?:period|duration|limitation)|keep(?:ing)?\s+(?:your\s+)?"
    r"(?:personal\s+)?(?:data|information)|deletion|erasure\s+of\s+data|speicherdauer|dauer\s+der\s+speicherung|"
    r"aufbewahrung|l(?:ö|oe)schung|speicherung\s+und\s+l(?:ö|oe)schung|dur(?:é|e)e\s+de\s+conservation|conservation)",
    re.IGNORECASE,
)
TABLE_RETENTION_HEADER = re.compile(
    r"\b(?:retention|retained|how\s+long|kept|duration|expiry|expires|expiration|lifetime|storage\s+period|"
    r"period|deleted|speicherdauer|laufzeit|l(?:ö|oe)schfrist|aufbewahrung)",
    re.IGNORECASE,
)
RETENTION_WORD = re.compile(
    r"\b(?:retain\w*|retention|keep|keeps|kept|store[sd]?|storing|hold|holds|held|delete[sd]?|deletion|"
    r"erase[sd]?|erasure|purge[sd]?|anonymi[sz]\w*|destroy\w*|expire[sd]?|expir(?:y|ation)|lifetime|"
    r"speicher\w*|gespeichert|aufbewahr\w*|aufbewahrt|l(?:ö|oe)sch\w*|gel(?:ö|oe)scht|conserv\w*|supprim\w*)\b",
    re.IGNORECASE,
)
_NUMBER = (
    r"\d{1,4}(?:[.,]\d)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|eighteen|twenty(?:-\w+)?|thirty|sixty|ninety|ein(?:em|en|er)?|zwei|drei|sechs|zehn|"
    r"un|deux|trois|six|dix"
)
PERIOD = re.compile(
    rf"(?<![\w.])(?P<within>within\s+|innerhalb\s+(?:von\s+)?)?(?:{_NUMBER})\s*(?:-|\s)?\s*(?:calendar\s+|full\s+)?"
    r"(?:hours?|days?|weeks?|months?|years?|yrs?|stunden|tagen?|wochen|monate?n?|jahre?n?|"
    r"jours|mois|ans|ann(?:é|e)es)\b"
    r"|\bP(?=\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?\b",
    re.IGNORECASE,
)
CRITERIA = re.compile(
    r"\buntil\s+(?:you\s+)?(?:close|delete|cancel|deactivate|terminate|end)\s+(?:your\s+|the\s+)?"
    r"(?:account|subscription|contract|membership)"
    r"|\buntil\s+(?:your\s+)?(?:account|subscription|contract|membership)\s+(?:is\s+)?"
    r"(?:closed|deleted|cancelled|canceled|terminated|ends)"
    r"|\buntil\s+you\s+(?:unsubscribe|withdraw\s+(?:your\s+)?consent|object|opt\s+out)"
    r"|\b(?:when|once)\s+you\s+(?:close|quit|leave)\s+(?:your|the)\s+browser"
    r"|\bend\s+of\s+(?:your|the)\s+(?:browser\s+)?session\b|\bsession\s+cookies?\b"
    r"|\buntil\s+the\s+end\s+of\s+(?:the|your)\s+(?:contract|subscription|calendar\s+year|tax\s+year)"
    r"|§\s*\d+|\bsection\s+\d+\s+(?:of\s+the\s+)?[A-Z]"
    r"|\bimmediately\s+(?:after|once|when)|\bas\s+soon\s+as\s+(?:the\s+)?\w+\s+(?:is|has\s+been)\s+"
    r"(?:delivered|completed|processed|fulfilled)"
    r"|\bbis\s+(?:zum\s+widerruf|sie\s+ihr\s+(?:konto|kundenkonto)|zur\s+abmeldung|zum\s+ende\s+der\s+sitzung)"
    r"|\bnach\s+(?:ende|ablauf)\s+der\s+sitzung",
    re.IGNORECASE,
)
VAGUE = re.compile(
    r"\bas\s+long\s+as\b[^.;]{0,50}?\b(?:necessary|needed|need\s+it|need\s+them|required|appropriate|relevant|"
    r"useful)\b"
    r"|\b(?:no|not)\s+longer\s+than\s+(?:is\s+)?(?:strictly\s+)?(?:necessary|needed|required)"
    r"|\bas\s+(?:required|permitted|allowed)\s+(?:by|under)\s+(?:applicable\s+)?(?:law|regulations?|legislation)"
    r"|\bfor\s+a\s+(?:reasonable|limited|certain|reasonably\s+necessary)\s+(?:period|time|amount\s+of\s+time)"
    r"|\bfor\s+(?:an?|the)\s+(?:appropriate|necessary|required)\s+(?:period|time)"
    r"|\b(?:the|a)\s+(?:period|time)\s+(?:necessary|needed|required)\b"
    r"|\buntil\s+(?:it\s+is|they\s+are)\s+no\s+longer\s+(?:needed|necessary|required)"
    r"|\buntil\s+the\s+purposes?\b[^.;]{0,40}\b(?:fulfilled|achieved|served)"
    r"|\bto\s+comply\s+with\s+(?:our\s+)?(?:legal|statutory|regulatory)\s+obligations"
    r"|\b(?:legal|statutory)\s+retention\s+(?:periods|requirements|obligations)\b"
    r"|\bso\s*lange\b[^.;]{0,80}\b(?:erforderlich|notwendig|n(?:ö|oe)tig)"
    r"|\bgesetzlichen\s+aufbewahrungsfristen\b",
    re.IGNORECASE,
)
REQUEST_CONTEXT = re.compile(
    r"\b(?:request|requests|respond|response|reply|answer|notify|inform|refund|deliver|ship|return|"
    r"anfrage|antworten|beantworten)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(?:do\s+not|don't|does\s+not|doesn't|never|not\s+collect|no\s+longer\s+collect|we\s+don't|"
    r"nicht|keine)\b",
    re.IGNORECASE,
)
COOKIE_POLICY_REF = re.compile(
    r"\bcookie\s+(?:policy|notice|declaration|statement|table|list|settings)\b|\bcookie-richtlinie\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Category:
    label: str
    pattern: re.Pattern[str]
    example: str


def _category(label: str, pattern: str, example: str) -> Category:
    return Category(label, re.compile(pattern, re.IGNORECASE), example)


CATEGORIES = (
    _category(
        "contact details",
        r"\bcontact\s+(?:details|information|data)\b|\be-?mail\s+address(?:es)?\b|\bphone\s+numbers?\b|"
        r"\bpostal\s+address(?:es)?\b|\bcontact\s+form\b|\bkontaktdaten\b|\bkontaktformular\w*\b|\be-mail-adressen?\b",
        "Contact details: 2 years after your last order or message",
    ),
    _category(
        "account data",
        r"\baccount\s+(?:data|information|details)\b|\b(?:user\s+)?profile\s+(?:data|information)\b|"
        r"\bkundenkonto\w*\b|\bkontodaten\b",
        "Account data: until you close your account, then 30 days",
    ),
    _category(
        "payment data",
        r"\b(?:payment|billing)\s+(?:data|details|information|card)\b|\bcard\s+(?:numbers?|details)\b|"
        r"\bbank\s+(?:details|account\s+details)\b|\binvoices?\b|\bzahlungsdaten\b|\brechnungen\b",
        "Invoices and payment records: 10 years, the statutory period under §147 AO",
    ),
    _category(
        "order data",
        r"\border\s+(?:history|data|details|information)\b|\bpurchase\s+history\b|"
        r"\btransaction\s+(?:data|history|records)\b|\bbestelldaten\b",
        "Order history: 6 years after the order",
    ),
    _category(
        "usage and log data",
        r"\busage\s+(?:data|information)\b|\blog\s+(?:files|data)\b|\b(?:server|access)\s+logs?\b|"
        r"\bip\s+address(?:es)?\b|\bdevice\s+(?:data|information)\b|\banalytics\s+data\b|"
        r"\bnutzungsdaten\b|\b(?:server-)?logfiles?\b|\bip-adressen?\b",
        "Server logs with IP addresses: 14 days",
    ),
    _category(
        "cookies",
        r"\bcookies?\b",
        "Session cookies: until you close the browser; analytics cookies: 13 months",
    ),
    _category(
        "support messages",
        r"\bsupport\s+(?:requests?|tickets?|messages?|conversations?|enquiries|inquiries)\b|"
        r"\bchat\s+transcripts?\b|\bcorrespondence\b|\bsupportanfragen\b",
        "Support messages: 24 months after the ticket is closed",
    ),
    _category(
        "marketing data",
        r"\bnewsletters?\b|\bmarketing\s+(?:data|communications?|e-?mails?|preferences|consents?)\b|"
        r"\bwerbe\w*\b",
        "Newsletter address: until you unsubscribe, then removed within 30 days",
    ),
    _category(
        "job applications",
        r"\bjob\s+applications?\b|\bapplicants?\b|\b(?:cvs?|résumés?|resumes?)\b|\bbewerbung\w*\b",
        "Job applications: 6 months after the position is filled",
    ),
    _category(
        "location data",
        r"\b(?:precise\s+)?(?:geo)?location\s+data\b|\bgeolocation\b|\bstandortdaten\b",
        "Location data: 30 days",
    ),
)

# -- reading policies into blocks ------------------------------------------------------------------------------


@dataclass
class Block:
    """A paragraph, list item, table row or heading of a policy, with its line and the headings above it."""

    line: int
    text: str
    headings: tuple[str, ...]
    retention_section: bool = False
    retention_table: bool = False
    row: bool = False
    heading: bool = False
    section: tuple[int, ...] = ()  # indices of the heading blocks above it, outermost first


@dataclass
class _Builder:
    blocks: list[Block] = field(default_factory=list)
    stack: list[tuple[int, str, int]] = field(default_factory=list)  # (level, text, block index)
    pieces: list[tuple[int, str]] = field(default_factory=list)
    row: bool = False
    table_retention: bool = False

    def heading(self, level: int, text: str, line: int) -> None:
        self.flush()
        text = _clean(text)
        if not text:
            return
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self._add(Block(line, text, self._headings(), heading=True))
        self.stack.append((level, text, len(self.blocks) - 1))

    def text(self, line: int, text: str) -> None:
        if text.strip():
            self.pieces.append((line, text))

    def flush(self) -> None:
        text = _clean(" ".join(piece for _, piece in self.pieces))
        if text:
            block = Block(self.pieces[0][0], text, self._headings(), row=self.row)
            block.retention_table = self.row and self.table_retention
            self._add(block)
        self.pieces = []
        self.row = False

    def _headings(self) -> tuple[str, ...]:
        return tuple(text for _, text, _ in self.stack)

    def _add(self, block: Block) -> None:
        block.section = tuple(index for _, _, index in self.stack)
        block.retention_section = any(RETENTION_HEADING.search(h) for h in block.headings)
        self.blocks.append(block)


def _clean(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # Markdown links and images
    text = re.sub(r"<[^>]+>|\*\*|__|`", "", text)
    return " ".join(text.split())


def _strip_template_tags(text: str) -> str:
    """Jinja, Liquid, Handlebars and ERB tags become spaces; lines stay where they were."""
    return re.sub(
        r"\{%.*?%\}|\{#.*?#\}|\{\{.*?\}\}|<%.*?%>", lambda m: re.sub(r"[^\n]", " ", m.group()), text, flags=re.S
    )


class _HtmlReader(HTMLParser):
    BLOCKS = frozenset({"p", "div", "li", "section", "article", "br", "dd", "dt", "table", "ul", "ol",
                        "blockquote", "header", "footer", "main", "aside", "nav", "form", "details",
                        "summary"})  # fmt: skip
    SKIP = frozenset({"script", "style", "template", "svg", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = _Builder()
        self.title = ""
        self.h1: list[str] = []
        self._in_title = False
        self._heading: tuple[int, int, list[str]] | None = None
        self._skip = 0
        self._table_rows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.flush()
            self._heading = (int(tag[1]), line, [])
        elif tag == "table":
            self.out.flush()
            self._table_rows = 0
            self.out.table_retention = False
        elif tag == "tr":
            self.out.flush()
            self.out.row = True
        elif tag in ("td", "th"):
            self.out.text(line, " | ")
        elif tag in self.BLOCKS:
            self.out.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif self._heading is not None and tag == f"h{self._heading[0]}":
            level, line, parts = self._heading
            text = _clean(" ".join(parts))
            if level == 1:
                self.h1.append(text)
            self.out.heading(level, text, line)
            self._heading = None
        elif tag == "tr":
            self._end_row()
        elif tag in self.BLOCKS:
            self.out.flush()

    def _end_row(self) -> None:
        row_text = " ".join(piece for _, piece in self.out.pieces)
        first = self._table_rows == 0
        self._table_rows += 1
        if first and TABLE_RETENTION_HEADER.search(row_text):
            self.out.table_retention = True
            self.out.pieces = []  # a header row is not a statement
            self.out.row = False
            return
        self.out.flush()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data
            return
        if self._heading is not None:
            self._heading[2].append(data)
            return
        line = self.getpos()[0]
        for offset, part in enumerate(data.split("\n")):
            self.out.text(line + offset, part)


def _read_html(text: str) -> tuple[list[Block], str, list[str]]:
    reader = _HtmlReader()
    reader.feed(_strip_template_tags(text))
    reader.close()
    reader.out.flush()
    return reader.out.blocks, _clean(reader.title), reader.h1


MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _read_markdown(lines: list[str]) -> tuple[list[Block], str]:
    """Blocks of a Markdown file, and its title (front matter ``title:`` or the first ``#`` heading)."""
    out, title, fenced, start = _Builder(), "", False, 0
    if lines and lines[0].strip() == "---":
        end = next((n for n in range(1, len(lines)) if lines[n].strip() in ("---", "...")), 0)
        for line in lines[1:end]:
            if line.lower().startswith("title:"):
                title = line.split(":", 1)[1].strip().strip("\"'")
        start = end + 1 if end else 0
    for index in range(start, len(lines)):
        raw, number = lines[index], index + 1
        stripped = raw.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            out.flush()
            continue
        if fenced:
            continue
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        heading = MD_HEADING.match(raw)
        if heading:
            level = len(heading.group(1))
            title = title or (heading.group(2) if level == 1 else "")
            out.heading(level, heading.group(2), number)
        elif stripped and re.fullmatch(r"=+|-+", following) and not LIST_ITEM.match(raw) and not out.pieces:
            level = 1 if following.startswith("=") else 2
            title = title or (stripped if level == 1 else "")
            out.heading(level, stripped, number)
        elif re.fullmatch(r"=+|-{3,}", stripped):
            out.flush()
        elif stripped.startswith("|"):
            out.flush()
            if TABLE_SEPARATOR.match(following):
                out.table_retention = bool(TABLE_RETENTION_HEADER.search(stripped))
            elif not TABLE_SEPARATOR.match(stripped):
                out.row = True
                out.text(number, stripped.strip("|").replace("|", " | "))
                out.flush()
        elif not stripped:
            out.flush()
        else:
            if LIST_ITEM.match(raw):
                out.flush()
            out.text(number, LIST_ITEM.sub("", raw) if LIST_ITEM.match(raw) else stripped)
    out.flush()
    return out.blocks, title


def _read_plain(lines: list[str]) -> tuple[list[Block], str]:
    """Blocks of a plain-text or reStructuredText file; a short line standing alone is a heading."""
    out, title = _Builder(), ""
    paragraph: list[tuple[int, str]] = []

    def end_paragraph() -> None:
        nonlocal title
        if len(paragraph) == 1 and _looks_like_heading(paragraph[0][1]):
            number, text = paragraph[0]
            level = 1 if not title else 2
            title = title or text.strip()
            out.heading(level, text, number)
        else:
            for number, text in paragraph:
                if LIST_ITEM.match(text):
                    out.flush()
                out.text(number, LIST_ITEM.sub("", text))
            out.flush()
        paragraph.clear()

    for index, raw in enumerate(lines):
        stripped = raw.strip()
        if re.fullmatch(r"([=\-~^\"'*#])\1{2,}", stripped):
            if len(paragraph) == 1:
                number, text = paragraph.pop()
                level = 1 if not title else 2
                title = title or text.strip()
                out.heading(level, text, number)
            continue
        if stripped:
            paragraph.append((index + 1, stripped))
        else:
            end_paragraph()
    end_paragraph()
    return out.blocks, title


def _looks_like_heading(text: str) -> bool:
    text = text.strip()
    return 0 < len(text) <= 80 and not text.endswith((".", ",", ";", ":")) and not LIST_ITEM.match(text)


# -- judging a policy ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    line: int
    text: str
    block: int
    categories: frozenset[str]
    concrete: bool


@dataclass
class Policy:
    """A privacy policy read into blocks; ``display`` names the file, ``url`` and ``status`` a response."""

    title: str
    blocks: list[Block]
    display: str | None = None
    url: str | None = None
    status: int | None = None

    def location(self, line: int) -> Location:
        if self.url is not None:
            return Location(path=self.display, url=self.url, status=self.status)
        return Location(path=self.display, line=line)


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9ÄÖÜ\"'(§])")


def _sentences(block: Block) -> list[str]:
    if block.row:
        return [block.text]
    return [part for part in SENTENCE_END.split(block.text) if part.strip()]


def _categories(text: str) -> frozenset[str]:
    return frozenset(category.label for category in CATEGORIES if category.pattern.search(text))


def _own_categories(sentence: str) -> frozenset[str]:
    """The categories a sentence is about: "Account data: your e-mail address…" is about account data only."""
    label = re.match(r"^([^:.]{2,60}):\s", sentence)
    if label and (named := _categories(label.group(1))):
        return named
    return _categories(sentence)


def _is_concrete(sentence: str) -> bool:
    if CRITERIA.search(sentence):
        return True
    request = REQUEST_CONTEXT.search(sentence)
    return any(not (match.group("within") and request) for match in PERIOD.finditer(sentence))


def _statements(policy: Policy) -> tuple[list[Statement], list[Statement], list[tuple[int, str]]]:
    """Concrete and vague retention statements, and the category mentions (line, label) outside negations."""
    concrete: list[Statement] = []
    vague: list[Statement] = []
    mentions: list[tuple[int, str]] = []
    title = next((n for n, block in enumerate(policy.blocks) if block.heading), -1)
    for index, block in enumerate(policy.blocks):
        if block.heading:
            mentions.extend((block.line, label) for label in sorted(_categories(block.text)))
            continue
        context = block.retention_section or block.retention_table
        # the title's scope is the whole policy ("Privacy Notice for Job Applicants"), so it is no category
        headings = block.headings[1:] if block.section[:1] == (title,) else block.headings
        earlier: frozenset[str] = frozenset()
        for sentence in _sentences(block):
            cats = _own_categories(sentence)
            if not NEGATION.search(sentence):
                mentions.extend((block.line, label) for label in sorted(cats))
            own = cats or earlier or _categories(" ".join(headings))
            earlier = earlier | cats
            if not (context or RETENTION_WORD.search(sentence)):
                continue
            if _is_concrete(sentence):
                concrete.append(Statement(block.line, sentence, index, own, True))
            elif VAGUE.search(sentence):
                vague.append(Statement(block.line, sentence, index, own, False))
    return concrete, vague, mentions


def _within(inner: Block, outer: Block, outer_index: int) -> bool:
    """Whether ``inner`` is in the same section as ``outer`` or in one of its subsections."""
    section = outer.section if not outer.heading else (*outer.section, outer_index)
    return inner.section[: len(section)] == section


def _policy_findings(policy: Policy) -> Iterator[Finding]:
    concrete, vague, mentions = _statements(policy)
    retention_headings = [(n, b) for n, b in enumerate(policy.blocks) if b.heading and RETENTION_HEADING.search(b.text)]
    if not concrete:
        if vague:
            for statement in _dedupe(vague):
                yield _vague_finding(policy, statement.line, statement.text)
        elif retention_headings:
            yield _vague_finding(policy, retention_headings[0][1].line, retention_headings[0][1].text)
        else:
            yield _no_retention_finding(policy)
        return
    reported: set[str] = set()
    for statement in _dedupe(vague):
        block = policy.blocks[statement.block]
        resolved = any(
            c.block >= statement.block and _within(policy.blocks[c.block], block, statement.block) for c in concrete
        )
        if not resolved:
            reported |= statement.categories
            yield _vague_finding(policy, statement.line, statement.text)
    for heading_index, heading in retention_headings:
        if not any(_within(policy.blocks[c.block], heading, heading_index) for c in concrete) and not any(
            _within(policy.blocks[v.block], heading, heading_index) for v in vague
        ):
            yield _vague_finding(policy, heading.line, heading.text)
    yield from _category_findings(policy, concrete, mentions, reported)


def _dedupe(statements: list[Statement]) -> list[Statement]:
    seen: set[int] = set()
    kept = []
    for statement in statements:
        if statement.line not in seen:
            seen.add(statement.line)
            kept.append(statement)
    return kept


def _category_findings(
    policy: Policy, concrete: list[Statement], mentions: list[tuple[int, str]], reported: set[str]
) -> Iterator[Finding]:
    if any(not statement.categories for statement in concrete):
        return  # a period for "all personal data" covers every category
    covered = set().union(*(statement.categories for statement in concrete))
    if any(COOKIE_POLICY_REF.search(block.text) for block in policy.blocks):
        covered.add("cookies")
    first: dict[str, int] = {}
    for line, label in mentions:
        first.setdefault(label, line)
    texts = {block.line: block.text for block in reversed(policy.blocks)}
    for category in CATEGORIES:
        label = category.label
        if label in first and label not in covered and label not in reported:
            yield Finding(
                rule="retention/category-without-period",
                severity=Severity.LOW,
                message=f"The privacy policy mentions {label} but gives no storage period or criteria for it.",
                location=policy.location(first[label]),
                evidence=quote(_matching_sentence(texts.get(first[label], ""), category)),
                fix=f'Add {label} to the retention section with its own period, e.g. "{category.example}".',
                sources=(CCPA, GDPR_13),
            )


def _matching_sentence(text: str, category: Category) -> str:
    for sentence in SENTENCE_END.split(text):
        if category.pattern.search(sentence):
            return sentence
    return text


def _no_retention_finding(policy: Policy) -> Finding:
    return Finding(
        rule="retention/policy-no-retention",
        severity=Severity.HIGH,
        message="The privacy policy does not say how long personal data is kept, nor the criteria that decide it.",
        location=policy.location(0),
        evidence=quote(policy.title or "(a privacy policy without a retention section)"),
        fix=(
            'Add a section "How long we keep your data" that gives each category its storage period or criteria, '
            'e.g. "Contact details: 2 years after your last order. Invoices: 10 years, the statutory period under '
            '§147 AO. Server logs: 14 days."'
        ),
        sources=(GDPR_13, CCPA),
    )


def _vague_finding(policy: Policy, line: int, text: str) -> Finding:
    return Finding(
        rule="retention/policy-vague-retention",
        severity=Severity.MEDIUM,
        message="The privacy policy says data is kept only for a vague time, with no storage period or criteria.",
        location=policy.location(line),
        evidence=quote(text),
        fix=(
            "Replace the vague phrase with a period or concrete criteria per category, e.g. "
            '"We delete support messages 24 months after the ticket is closed" or "Invoices: 10 years under '
            '§147 AO"; keep "as long as necessary" only when the criteria follow it.'
        ),
        sources=(WP260, GDPR_13, CCPA),
    )


# -- finding policies ------------------------------------------------------------------------------------------


def _file_policy(source: FileSource) -> Policy | None:
    suffix, text = source.suffix, source.text
    stem = source.name[: -len(suffix)] if suffix else source.name
    named = bool(POLICY_NAME.match(stem.lower())) and suffix in MARKUP | MARKDOWN | PLAIN
    if text is None or not (named or suffix in MARKUP | MARKDOWN):
        return None
    if not named and not POLICY_TITLE.search(text):
        return None  # cheap test before parsing
    if suffix in MARKUP:
        blocks, title, h1 = _read_html(text)
        headline = [title, *h1]
    elif suffix in MARKDOWN:
        blocks, title = _read_markdown(source.lines)
        headline = [title]
    else:
        blocks, title = _read_plain(source.lines)
        headline = [title]
    if not named and not any(POLICY_TITLE.search(h) for h in headline if h):
        return None
    return Policy(title or (h1[0] if suffix in MARKUP and h1 else source.name), blocks, display=source.display)


def _response_policy(response: Response) -> Policy | None:
    if not (200 <= response.status < 300 and "html" in response.content_type.lower() and response.body):
        return None
    if not POLICY_TITLE.search(response.body):
        return None
    blocks, title, h1 = _read_html(response.body)
    if not any(POLICY_TITLE.search(h) for h in (title, *h1) if h):
        return None
    return Policy(title or h1[0], blocks, display=response.har, url=response.url, status=response.status)


def _policies(context: Context) -> Iterator[Policy]:
    for source in context.sources.files:
        try:
            policy = _file_policy(source)
        except (ValueError, AssertionError) as exc:  # html.parser on hostile markup
            context.warn(AuditWarning(source.display, f"could not be read as a privacy policy: {exc}"))
            continue
        if policy is not None:
            yield policy
    seen: set[str] = set()
    for response in context.sources.responses:
        if response.url in seen:
            continue
        try:
            policy = _response_policy(response)
        except (ValueError, AssertionError) as exc:
            context.warn(AuditWarning(response.url, f"could not be read as a privacy policy: {exc}"))
            continue
        if policy is not None:
            seen.add(response.url)
            yield policy


# -- deletion jobs ---------------------------------------------------------------------------------------------

CODE = frozenset({".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".rb", ".go", ".java", ".kt", ".php", ".cs",
                  ".rs", ".ex", ".exs", ".scala", ".sql", ".sh", ".bash", ".tf", ".rake"})  # fmt: skip
DEFINITIONS = re.compile(
    r"^\s*(?:async\s+)?def\s+(\w+)|^\s*class\s+(\w+)|\bfunction\s+(\w+)|\b(?:const|let|var)\s+(\w+)\s*=\s*"
    r"(?:async\s+)?(?:function|\([^)]*\)\s*=>|\w+\s*=>)|^\s*func\s+(?:\([^)]*\)\s*)?(\w+)|"
    r"\bcreate\s+(?:or\s+replace\s+)?(?:function|procedure)\s+([\w.\"]+)|"
    r"(?:public|private|protected|internal|static|fun)\s+(?:[\w<>\[\],]+\s+)*?(\w+)\s*\(|"
    r"^\s*([A-Za-z_][\w-]*)\s*\(\)\s*\{|^\s*task\s+:?(\w+)",
    re.IGNORECASE | re.MULTILINE,
)
CRON_LINE = re.compile(
    r"^\s*(?:@(?:reboot|yearly|annually|monthly|weekly|daily|midnight|hourly)|"
    r"(?:[\d*/,-]+\s+){4}[\w*/,-]+)\s+(\S.*)$"
)
QUOTED_NAME = re.compile(r"""(?:name|id|ID|task|job_id|jobname)["']?\s*[:=]\s*["']([\w.:/-]+)["']""")
SCHEDULED_COMMAND = re.compile(r"""->(?:command|job|exec)\(\s*['"]?([\w:.\\-]+)""")
SCHEDULE_HINT = re.compile(
    r"beat_schedule|CELERYBEAT_SCHEDULE|add_periodic_task|cron\.schedule\s*\(|add_job\s*\(|scheduled_job|"
    r"@Scheduled|\$schedule->|\bschedule\s*:\s*$|OnCalendar=|kind:\s*CronJob|\bschedule\.every\b|node-cron|\bcron\s*\(",
    re.MULTILINE,
)
PURGE_NAME = re.compile(
    r"purge|prune|clean_?up|expire|expiry|anonymi[sz]e|erase|retention|housekeep|delete_?(?:old|expired|stale|"
    r"inactive|after)|remove_?(?:old|expired|stale)|gc_|_gc\b",
    re.IGNORECASE,
)
DELETION_MECHANISM = re.compile(
    r"\bDELETE\s+FROM\s+[\w.\"]+\s+WHERE\b[^;]{0,200}?(?:<|<=|\bbefore\b)[^;]{0,120}?"
    r"(?:now\(\)|current_(?:date|timestamp)|interval|datetime\(|date\(|sysdate|getdate|dateadd|:cutoff|\?)"
    r"|expireAfterSeconds|expire_after_seconds|\bExpiration\b\s*[:=]|\bexpiration\s*\{|lifecycle_rule|"
    r"aws_s3_bucket_lifecycle_configuration|LifecycleConfiguration|\bEXPIRE(?:AT)?\s+\w|\.expire(?:at)?\(|"
    r"\bsetex\b|\bSETEX\b|\bTTL\s+\w+\s*\+\s*(?:INTERVAL|to\w+\()|retention\.ms|\"delete\"\s*:\s*\{\s*"
    r"\"min_age\"|\.filter\([^)]*__(?:lt|lte)=[^)]*\)\.delete\(\)|\.(?:delete_all|destroy_all)\b[^\n]*\bago\b|"
    r"\bago\b[^\n]*\.(?:delete_all|destroy_all)\b",
    re.IGNORECASE,
)
MECHANISM_WORDS = (
    ("ttl", re.compile(r"\bttl\b|expireAfterSeconds", re.IGNORECASE)),
    ("lifecycle", re.compile(r"\blifecycle\b", re.IGNORECASE)),
    ("expire", re.compile(r"\b(?:expire|setex|redis)\b", re.IGNORECASE)),
)
TASK_NAME = re.compile(
    r"""\$signature\s*=\s*['"]([\w:.-]+)|\b(?:task|shared_task|job|periodic_task)\s*\([^)]*?\bname\s*=\s*"""
    r"""['"]([\w.:-]+)"""
)
TTL_COLLECTION = re.compile(r"\bdb\.(\w+)\.create_?index\b|collection\(\s*[\"'](\w+)[\"']\s*\)", re.IGNORECASE)
DELETE_TABLE = re.compile(r"\bDELETE\s+FROM\s+[\"]?([\w.]+)", re.IGNORECASE)
STOP = frozenset({"cron", "crontab", "job", "jobs", "task", "tasks", "ttl", "index", "the", "daily", "nightly",
                  "weekly", "hourly", "rule", "lifecycle", "redis", "expire", "s3", "bucket", "via", "and", "run",
                  "python", "manage", "bin", "name", "image", "usr", "local", "app", "sh", "bash", "exec", "node",
                  "npm", "env"})  # fmt: skip
SUFFIXES = ("job", "task", "worker", "command", "cron", "timer", "service")


def _normal(name: str) -> str:
    """``purge-inactive-customers``, ``purge_inactive_customers`` and ``PurgeInactiveCustomersJob`` alike."""
    flat = re.sub(r"[^a-z0-9]", "", name.lower())
    for suffix in SUFFIXES:
        if flat.endswith(suffix) and len(flat) - len(suffix) >= 4:
            return flat[: -len(suffix)]
    return flat


@dataclass
class DeletionIndex:
    """The names of the functions, scripts and scheduled jobs in the audited files, and the deletion
    mechanisms (purge jobs, TTLs, lifecycle rules) among them."""

    names: set[str] = field(default_factory=set)
    mechanisms: list[tuple[str, int]] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # "ttl", "lifecycle", "expire", "delete", "retention"
    has_code: bool = False

    def add(self, name: str) -> None:
        name = name.strip("\"'")
        for part in {name, name.rsplit(".", 1)[-1], name.rsplit("/", 1)[-1], name.rsplit(":", 1)[-1]}:
            part = re.sub(r"\.(?:py|sh|rb|js|ts|sql|php)$", "", part)
            flat = _normal(part)
            if len(flat) >= 3 and flat not in STOP:
                self.names.add(flat)

    def finds(self, deletion: str) -> bool:
        if _normal(deletion) in self.names:
            return True
        if " " in deletion.strip() and any(
            kind in self.kinds and pattern.search(deletion) for kind, pattern in MECHANISM_WORDS
        ):
            return True  # "TTL index on sessions", "S3 lifecycle rule", "Redis EXPIRE" and one exists
        tokens = re.findall(r"[A-Za-z_][\w.:/-]*\w", deletion)
        return any(
            _normal(token) in self.names
            and (re.search(r"[-_./:]|[a-z][A-Z]", token) or len(tokens) == 1)
            and token.lower() not in STOP
            for token in tokens
        )


def _index(context: Context) -> DeletionIndex:
    index = DeletionIndex()
    for source in context.sources.files:
        suffix = source.suffix
        scheduled = _is_schedule_file(source)
        if suffix not in CODE and not scheduled:
            continue
        text = source.text
        if text is None:
            continue
        index.has_code = True
        if suffix in CODE:
            index.add(source.path.stem)
            for name in TASK_NAME.findall(text):
                index.add(next(part for part in name if part))
            for match in DEFINITIONS.finditer(text):
                name = next(group for group in match.groups() if group)
                index.add(name)
                if PURGE_NAME.search(name):
                    index.mechanisms.append((source.display, _line_of(text, match.start())))
        if scheduled or SCHEDULE_HINT.search(text):
            _index_schedule(source, text, index, context.warn)
        for match in DELETION_MECHANISM.finditer(text):
            index.mechanisms.append((source.display, _line_of(text, match.start())))
            index.kinds.add(_mechanism_kind(match.group()))
            for table in DELETE_TABLE.findall(match.group()):
                index.add(table)
        if DELETION_MECHANISM.search(text):  # TTL index names, lifecycle rule ids
            for name in QUOTED_NAME.findall(text):
                index.add(name)
        if "expireAfterSeconds" in text or "expire_after_seconds" in text:
            for groups in TTL_COLLECTION.findall(text):
                index.add(next(g for g in groups if g))
    return index


def _mechanism_kind(text: str) -> str:
    lowered = text.lower()
    if "expireafterseconds" in lowered or "expire_after_seconds" in lowered or lowered.startswith("ttl"):
        return "ttl"
    if "lifecycle" in lowered or "expiration" in lowered:
        return "lifecycle"
    if "expire" in lowered or "setex" in lowered:
        return "expire"
    if "delete" in lowered or "destroy" in lowered:
        return "delete"
    return "retention"


def _is_schedule_file(source: FileSource) -> bool:
    name = source.name.lower()
    parts = {part.lower() for part in source.path.parts}
    if name.startswith("crontab") or source.suffix in (".cron", ".timer", ".service") or "cron.d" in parts:
        return True
    if source.suffix in (".yaml", ".yml"):
        text = source.text or ""
        return bool(re.search(r"kind:\s*CronJob|^\s*schedule:\s*$|^\s*-\s*cron:", text, re.MULTILINE))
    return False


def _index_schedule(source: FileSource, text: str, index: DeletionIndex, warn: Callable[[AuditWarning], None]) -> None:
    """Names in a scheduled-job definition: cron commands, unit names, CronJob names, beat entries, job ids."""
    if source.suffix in (".timer", ".service"):
        index.add(source.path.stem)
    for line in text.splitlines():
        cron = CRON_LINE.match(line)
        command = cron.group(1) if cron else None
        if command is None:
            exec_line = re.match(r"\s*(?:ExecStart=|command:|args:|run:|-\s+)(.*)", line)
            command = exec_line.group(1) if exec_line and source.suffix not in CODE else None
        if command:
            for token in re.findall(r"[A-Za-z_][\w.:/-]*", command):
                index.add(token)
                if PURGE_NAME.search(token):
                    index.mechanisms.append((source.display, text.splitlines().index(line) + 1))
        for name in QUOTED_NAME.findall(line) + SCHEDULED_COMMAND.findall(line):
            index.add(name)
        beat = re.match(r"""\s*["']([\w.:-]+)["']\s*:\s*\{""", line)
        if beat:
            index.add(beat.group(1))
    if source.suffix in (".yaml", ".yml"):
        _index_cronjob_yaml(source, text, index, warn)


def _index_cronjob_yaml(
    source: FileSource, text: str, index: DeletionIndex, warn: Callable[[AuditWarning], None]
) -> None:
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        if "{{" in text:
            return  # a Helm or Jinja template is not YAML until rendered; its lines were read already
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        warn(AuditWarning(source.display, f"not valid YAML{where}; its scheduled jobs were read line by line"))
        return
    for document in documents:
        if isinstance(document, dict):
            metadata = document.get("metadata")
            if document.get("kind") == "CronJob" and isinstance(metadata, dict) and metadata.get("name"):
                index.add(str(metadata["name"]))
            jobs = document.get("jobs")
            if isinstance(jobs, dict):
                for key in jobs:
                    index.add(str(key))


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# -- the inventory ---------------------------------------------------------------------------------------------

ISO_DURATION = re.compile(r"^P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$")


def _inventory_findings(inventory: Inventory, index: DeletionIndex, context: Context) -> Iterator[Finding]:
    path = _inventory_display(inventory.path, context)
    for entry in inventory.fields:
        retention = entry.retention.strip()
        where = Location(path=path, line=entry.line)
        evidence = quote(f"field: {entry.field}" + (f" (retention: {retention})" if retention else ""))
        if not retention or (VAGUE.search(retention) and not _is_concrete(retention)):
            yield Finding(
                rule="retention/inventory-no-retention",
                severity=Severity.MEDIUM,
                message=(
                    f"The inventory entry {entry.field!r} declares "
                    + ("only a vague retention." if retention else "no retention period or criteria.")
                ),
                location=where,
                evidence=evidence,
                fix=(
                    f"Give {entry.field} a retention: an ISO 8601 duration such as 'P2Y' or the criteria, e.g. "
                    "'2 years after the last order', and the deletion job that enforces it."
                ),
                sources=(GDPR_5, GDPR_30),
            )
            continue
        deletion = entry.deletion.strip()
        if deletion and index.finds(deletion):
            continue
        yield _missing_job_finding(entry, where, evidence, retention, deletion)


def _missing_job_finding(
    entry: InventoryEntry, where: Location, evidence: str, retention: str, deletion: str
) -> Finding:
    table = entry.field.split(".", 1)[0] if "." in entry.field and "*" not in entry.field else "the_table"
    interval = _sql_interval(retention)
    example = (
        f"DELETE FROM {table} WHERE created_at < now() - interval '{interval}'"
        if interval
        else f"a job that deletes {entry.field} when '{retention}' is reached"
    )
    name = deletion or f"purge-{table.replace('_', '-')}"
    if deletion:
        message = f"The deletion job {deletion!r} of {entry.field!r} was not found in the audited files."
    else:
        message = f"The inventory entry {entry.field!r} declares a retention but names no deletion job."
    return Finding(
        rule="retention/no-deletion-job",
        severity=Severity.MEDIUM,
        message=message,
        location=where,
        evidence=quote(evidence + (f" deletion: {deletion}" if deletion else "")),
        fix=(
            f"Schedule a job named {name!r} (e.g. the crontab line '15 3 * * * /app/bin/{name}') that runs "
            f"{example}, name it in deletion:, and audit the repository that holds it."
        ),
        sources=(GDPR_5,),
    )


def _sql_interval(retention: str) -> str:
    match = ISO_DURATION.match(retention.upper())
    if match:
        units = ("years", "months", "weeks", "days")
        parts = [f"{value} {unit}" for value, unit in zip(match.groups(), units, strict=True) if value]
        return " ".join(parts)
    found = PERIOD.search(retention)
    return found.group().strip() if found and found.group()[0].isdigit() else ""


def _inventory_display(path: str, context: Context) -> str:
    root = context.sources.root
    if root is not None and path:
        try:
            return Path(path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path


def _policy_without_mechanism(policy: Policy, index: DeletionIndex) -> Finding | None:
    """A policy that discloses periods while the audited code deletes nothing."""
    if not index.has_code or index.mechanisms:
        return None
    concrete, _, _ = _statements(policy)
    periods = [s for s in concrete if PERIOD.search(s.text)]
    if not periods:
        return None
    return Finding(
        rule="retention/no-deletion-job",
        severity=Severity.MEDIUM,
        message="The privacy policy discloses storage periods, but no deletion job, TTL or lifecycle rule was found.",
        location=policy.location(periods[0].line),
        evidence=quote(periods[0].text),
        fix=(
            "Add a scheduled purge job for each disclosed period, e.g. a crontab line '15 3 * * * /app/bin/purge-"
            "expired-data' running DELETE FROM … WHERE created_at < now() - interval '2 years', or a TTL index "
            "(expireAfterSeconds) or S3 lifecycle expiration rule."
        ),
        sources=(GDPR_5, GDPR_13),
    )


# -- the family ------------------------------------------------------------------------------------------------


def scan(context: Context) -> Iterable[Finding]:
    """Privacy policies first, then the inventory; a deletion index is built only when it is needed."""
    policies = list(_policies(context))
    findings: list[Finding] = []
    for policy in policies:
        findings.extend(_policy_findings(policy))
    if policies or context.inventory is not None:
        index = _index(context)
        for policy in policies:
            missing = _policy_without_mechanism(policy, index)
            if missing is not None:
                findings.append(missing)
        if context.inventory is not None:
            findings.extend(_inventory_findings(context.inventory, index, context))
    return findings


FAMILY = Family(
    id="retention",
    title="Opaque retention",
    doc=(
        "Privacy policies that do not say how long each category of personal data is kept (no retention "
        "section, only 'as long as necessary', or categories without a period), data-inventory entries "
        "without a retention, and declared retention that no deletion job, TTL or lifecycle rule enforces. "
        "Sources: GDPR Art. 13(2)(a)/14(2)(a) and 5(1)(e), CCPA/CPRA §1798.100(a)(3), WP29 WP260 rev.01."
    ),
    rules=(
        "retention/policy-no-retention",
        "retention/policy-vague-retention",
        "retention/category-without-period",
        "retention/inventory-no-retention",
        "retention/no-deletion-job",
    ),
    scan=scan,
)
