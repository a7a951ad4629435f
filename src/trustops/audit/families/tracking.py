"""Core functionality tied to third-party tracking: critical journeys (login, cart, checkout, payment) that
load tracking or tag-manager scripts synchronously, or whose first-party code waits for a tracker before it
lets the visitor go on.

A tracker is a script or request to a domain in ``audit/data/trackers.json`` (about 130 tag-manager,
analytics, advertising and social domains with their entity and category, modelled on Patrick Hulce's
third-party-web), matched by host suffix: ``www.googletagmanager.com`` matches ``googletagmanager.com``. A
Google tag served from the site's own domain (``/gtm.js``, ``/gtag/js``: server-side tagging) is a tag manager
too. jQuery from a CDN, Stripe.js, reCAPTCHA and fonts are not trackers.

A page is on a critical path when its file path or URL names one: ``checkout``, ``payment``, ``pay`` (high);
``login``, ``sign-in``, ``cart``, ``basket``, ``account`` (medium). A template with a card-number field is a
payment page and one with a password field a login page whatever its name. Confirmation pages (``thank-you``,
``success``, ``confirmation``, ``receipt``, ``complete``) are not: the order is already placed.

Rules
-----
``tracking/blocking-tracker-script`` (high on checkout and payment pages, medium on the other critical paths)
    A ``<script src>`` to a tracker without ``async``, ``defer`` or ``type="module"``, or one written with
    ``document.write``, in the ``<head>`` or in the body before the main content (``<main>``, the first
    ``<form>`` or ``<h1>``, ``{% block content %}``). The parser stops until the tracker's server answers:
    when it is slow, down or blocked (ad blockers, corporate proxies, consent tools) the sign-in or payment
    page renders late or not at all. Layouts and partials count through the critical pages that use them:
    ``{% extends %}``, ``{% include %}``, EJS ``include()``, Handlebars ``{{> x}}``, PHP ``include``, Rails
    ``render``; the frameworks' default layouts (``layouts/application``, ``layouts/default``, Next.js
    ``_document``/``app/layout``, ``_Layout.cshtml``) count for every critical page of the project. The
    finding is reported once, where the tag is. In HAR recordings of a critical page the document's HTML is
    read when it is in the file; otherwise a parser-blocking script request to a tracker (Chrome's initiator
    and priority) is the evidence. Not reported: ``async``/``defer`` tags and the official asynchronous
    snippets (they do not block; whether the page *uses* the tracker is the next rule), tags at the end of
    the body after the content, tags inside HTML comments, consent-gated tags (``type="text/plain"``),
    Next.js ``<Script>`` components, trackers on pages off the critical paths, first-party analytics scripts
    and CDN-hosted libraries.
    Source: rules.md §8; web.dev "Efficiently load third-party JavaScript"; HTML standard on parser-blocking
    scripts (MDN ``<script>`` async/defer).

``tracking/navigation-waits-for-tracker`` (high)
    First-party code that submits a form or navigates only from a tracker's callback:
    ``gtag('event', …, {event_callback: () => form.submit()})``, ``dataLayer.push({…, eventCallback:
    function () { window.location = … }})``, ``ga('send', …, {hitCallback: …})``, ``analytics.track(…, () =>
    navigate(…))``, ``mixpanel.track(…, function () {…})``, a ``.then(…)`` on a tracker's promise or an
    ``await`` of it before navigating, or a promise resolved by the tracker. With the tracker blocked or
    failed the callback never runs (``gtag`` and ``dataLayer`` are plain arrays until the tag manager
    loads, so ``event_timeout``/``eventTimeout`` do not help either) and the button does nothing — for every
    visitor with a content blocker, on any page. Not reported: a tracker call without a callback, a
    callback that does not navigate, one with a first-party ``setTimeout`` fallback, ``Promise.race`` or a
    ``createFunctionWithTimeout`` wrapper, a guard on the tracker having loaded, and the vendors' own
    ``trackLink``/``trackForm`` helpers (the native link still works when they are blocked).
    Source: rules.md §8 (3); Google Analytics "Sending data: handling timeouts" (hitCallback never runs if
    the library fails to load).

``tracking/journey-stalled-after-tracker-failure`` (medium, a heuristic)
    In a HAR recording of two or more pages, the last page is a critical one, a tracker request in it
    failed or was blocked, and no document loaded after that failure: the journey seems to have stopped
    where the tracker failed. It is a hint to confirm with the live check below, hence medium.
    Source: rules.md §8 (1, 2).

``tracking/journey-needs-trackers`` (high; live, optional)
    A journey run in Chromium twice (:mod:`trustops.audit.families.journey`, option ``tracking.journey``,
    CLI ``--journey FILE``) completes normally but not with requests to tracker domains aborted.
    Source: rules.md §8 (1, 2).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

from trustops.audit.findings import AuditWarning, Finding, Location, Severity, quote
from trustops.audit.scanner import Context, Family
from trustops.audit.sources import FileSource, HarPage, Response

BLOCKING = "tracking/blocking-tracker-script"
WAITS = "tracking/navigation-waits-for-tracker"
STALLED = "tracking/journey-stalled-after-tracker-failure"
NEEDS = "tracking/journey-needs-trackers"

SOURCE_RULES = "trustops rules.md §8: core journeys must not depend on trackers"
SOURCE_WEBDEV = (
    "web.dev, Efficiently load third-party JavaScript: https://web.dev/articles/efficiently-load-third-party-javascript"
)
SOURCE_MDN = "MDN, <script>: async and defer: https://developer.mozilla.org/en-US/docs/Web/HTML/Element/script"
SOURCE_GA = (
    "Google Analytics, Sending data, handling timeouts: "
    "https://developers.google.com/analytics/devguides/collection/analyticsjs/sending-hits#handling_timeouts"
)
SOURCE_TPW = "third-party-web (Patrick Hulce): https://github.com/patrickhulce/third-party-web"

TEMPLATE_SUFFIXES = frozenset(
    {".html", ".htm", ".xhtml", ".jinja", ".jinja2", ".j2", ".njk", ".hbs", ".handlebars", ".mustache", ".ejs",
     ".erb", ".twig", ".liquid", ".php", ".vue", ".svelte", ".astro", ".cshtml", ".razor", ".jsp", ".gohtml",
     ".tmpl", ".tpl", ".jsx", ".tsx"}
)  # fmt: skip
SCRIPT_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx", ".vue", ".svelte"})


# --- tracker domains -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tracker:
    domain: str  # a host suffix, or host:port (tests map a loopback server to a tracker that way)
    entity: str
    category: str  # third-party-web's: tag-manager, analytics, ad, social, customer-success


@cache
def tracker_list() -> tuple[Tracker, ...]:
    """The bundled tracker domains (``audit/data/trackers.json``)."""
    text = resources.files("trustops.audit").joinpath("data/trackers.json").read_text(encoding="utf-8")
    return tuple(Tracker(item["domain"], item["entity"], item["category"]) for item in json.loads(text)["trackers"])


def trackers_from(domains: Iterable[str | Tracker]) -> tuple[Tracker, ...]:
    """Trackers from plain domain names (``"127.0.0.1:8123"``, ``"stats.example"``) or :class:`Tracker` s."""
    return tuple(d if isinstance(d, Tracker) else Tracker(d.lower(), d, "tracker") for d in domains)


FIRST_PARTY_GOOGLE_TAG = re.compile(r"/(?:gtm\.js|gtag/js)(?:[?#]|$)")
SERVED_FIRST_PARTY = Tracker("(first party)", "Google tag served first-party", "tag-manager")


def find_tracker(url: str, trackers: Sequence[Tracker] | None = None) -> Tracker | None:
    """The tracker ``url`` belongs to, by host suffix (``None`` for first-party and non-tracking hosts)."""
    try:
        parts = urlsplit(url.strip())
        host, netloc = (parts.hostname or "").rstrip("."), parts.netloc.lower().rsplit("@", 1)[-1]
    except ValueError:
        return None
    if host:
        for tracker in tracker_list() if trackers is None else trackers:
            domain = tracker.domain
            if host == domain or host.endswith("." + domain) or (":" in domain and netloc == domain):
                return tracker
    if FIRST_PARTY_GOOGLE_TAG.search(parts.path + ("?" if parts.query else "")):
        return SERVED_FIRST_PARTY
    return None


def short_url(url: str) -> str:
    """The URL without its query (tracker queries carry visitor ids), cut to a readable length."""
    base, query = url.split("?", 1) if "?" in url else (url, "")
    return (base[:150] + ("?…" if query else "")).strip()


# --- critical paths --------------------------------------------------------------------------------------

HIGH_WORDS = frozenset({"checkout", "payment", "pay"})
MEDIUM_WORDS = frozenset({"login", "signin", "cart", "basket", "account"})
TERMINAL_WORDS = frozenset(
    {"confirmation", "confirmed", "thanks", "thankyou", "success", "receipt", "complete", "completed"}
)
PAYMENT_FIELD = re.compile(
    r"""autocomplete\s*=\s*["']cc-(?:number|csc|exp)|name\s*=\s*["'][^"']*(?:card[_-]?number|cardnumber|\bcvc|\bcvv)""",
    re.I,
)
PASSWORD_FIELD = re.compile(r"""type\s*=\s*["']?password\b""", re.I)


def _words(path: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", path).lower()
    tokens = [t for t in re.split(r"[^a-z0-9]+", spaced) if t]
    joined = [a + b for a, b in zip(tokens, tokens[1:], strict=False)]
    words = tokens + [w for w in joined if w in ("login", "signin", "checkout", "thankyou")]
    return [w[:-1] if w.endswith("s") and w[:-1] in HIGH_WORDS | MEDIUM_WORDS else w for w in words]


def critical_level(path: str) -> tuple[Severity, str] | None:
    """``(severity, word)`` when ``path`` (a file path or URL) is on a critical path, else ``None``."""
    if path.startswith(("http://", "https://")):
        parts = urlsplit(path)
        path = (parts.hostname or "").split(".", 1)[0] + "/" + parts.path
    words = _words(path)
    if any(w in TERMINAL_WORDS for w in words):
        return None
    for group, severity in ((HIGH_WORDS, Severity.HIGH), (MEDIUM_WORDS, Severity.MEDIUM)):
        found = next((w for w in words if w in group), None)
        if found:
            return severity, found
    return None


def _content_level(text: str) -> tuple[Severity, str] | None:
    if PAYMENT_FIELD.search(text):
        return Severity.HIGH, "payment form"
    if PASSWORD_FIELD.search(text):
        return Severity.MEDIUM, "login form"
    return None


def _higher(a: tuple[Severity, str] | None, b: tuple[Severity, str] | None) -> tuple[Severity, str] | None:
    if a is None or (b is not None and b[0].rank > a[0].rank):
        return b
    return a


# --- markup: where the tracker tags are -----------------------------------------------------------------

COMMENTS = re.compile(r"<!--.*?-->|\{#.*?#\}|<%#.*?%>|\{\{!--.*?--\}\}|\{/\*.*?\*/\}", re.S)
SCRIPT_TAG = re.compile(r"<(?!Script\b)(?i:script)\b(?P<attrs>[^>]*)>")
SRC = re.compile(r"""(?<![\w:-])src\s*=\s*\{?\s*(?:"([^"]*)"|'([^']*)'|`([^`]*)`|([^\s>"'`{}]+))""", re.I)
TYPE = re.compile(r"""(?<![\w:-])type\s*=\s*["']?([\w/+.-]+)""", re.I)
NON_BLOCKING = re.compile(r"""(?<![\w:-])(?:async|defer)\b(?!\s*=\s*\{?\s*["']?false)""", re.I)
EXECUTABLE_TYPES = frozenset({"text/javascript", "application/javascript", "application/x-javascript", "module"})
DOCUMENT_WRITE = re.compile(r"document\.write(?:ln)?\s*\(")
WRITTEN_URL = re.compile(r"""(?:https?:)?//[\w.-]+(?::\d+)?[^\s"'`\\)<>]*""")
HEAD_END = re.compile(r"</head\s*>|<body\b", re.I)
CONTENT_START = re.compile(
    r"<main\b|<form\b|<h1\b|role\s*=\s*[\"']main[\"']|\bid\s*=\s*[\"'](?:content|main|main-content)[\"']"
    r"|\{%-?\s*block\s+(?:content|main|body)\b|\{\{-?\s*block\s+\"(?:content|main)\"|@RenderBody\(\)|<%=\s*yield\b"
    r"|\{\{\{?\s*body\s*\}\}|<slot\b|\{children\}",
    re.I,
)
REFERENCE = re.compile(
    r"""\{%-?\s*(?P<kind>extends|include|embed|import)\s+["'](?P<a>[^"']+)["']"""
    r"""|<%[-=]?\s*include\s*\(?\s*["'](?P<b>[^"']+)["']"""
    r"""|\{\{>\s*["']?(?P<c>[\w./-]+)"""
    r"""|<\?php\s+(?:include|require)(?:_once)?\s*\(?\s*["'](?P<d>[^"']+)["']"""
    r"""|<%=\s*render\s*\(?\s*(?:partial:\s*)?["'](?P<e>[^"']+)["']"""
    r"""|\{\{-?\s*template\s+"(?P<f>[^"]+)\"""",
)


@dataclass(frozen=True, slots=True)
class Tag:
    """A synchronous tracker script in a markup file."""

    offset: int
    line: int
    url: str
    tracker: Tracker
    evidence: str
    written: bool  # injected with document.write


@dataclass
class Markup:
    """What the blocking rule needs to know about one template or HTML page."""

    name: str
    text: str
    tags: list[Tag]
    head_end: int | None  # where the <head> ends, if the file has one
    content_start: int | None  # where the main content starts (None: a partial, decided by its includer)
    refs: list[tuple[str, int, bool]]  # (name, offset, is an extends) of the templates it uses
    level: tuple[Severity, str] | None  # its own critical level
    layout_root: str | None = None  # set for implicit layouts: the folder whose pages they wrap

    @property
    def implicit_layout(self) -> bool:
        return self.layout_root is not None

    users: list[tuple[Markup, int | None]] = field(default_factory=list)  # who uses it, at what offset


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _evidence_line(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return quote(text[start : end if end >= 0 else len(text)])


def _sync_tags(text: str, trackers: Sequence[Tracker] | None) -> Iterator[Tag]:
    written = list(_written_tags(text, trackers))
    yield from written
    inside_writes = [(tag.offset, tag.offset + 400) for tag in written]
    for match in SCRIPT_TAG.finditer(text):
        attrs = match.group("attrs")
        src = SRC.search(attrs)
        if src is None or NON_BLOCKING.search(attrs) or any(a <= match.start() < b for a, b in inside_writes):
            continue
        kind = TYPE.search(attrs)
        if kind and kind.group(1).lower() not in EXECUTABLE_TYPES - {"module"}:
            continue  # modules are deferred; text/plain is how consent tools hold a tag back
        url = next(g for g in src.groups() if g is not None)
        tracker = find_tracker(url, trackers)
        if tracker is not None:
            line = _line_of(text, match.start())
            yield Tag(match.start(), line, url, tracker, _evidence_line(text, match.start()), written=False)


def _written_tags(text: str, trackers: Sequence[Tracker] | None) -> Iterator[Tag]:
    """Tracker scripts injected with ``document.write``: as blocking as a ``<script src>`` where it runs."""
    for match in DOCUMENT_WRITE.finditer(text):
        window = text[match.end() : match.end() + 400]
        if not re.search(r"<\s*scr(?:['\"`]\s*\+\s*['\"`])?ipt", window, re.I):
            continue
        for url_match in WRITTEN_URL.finditer(window):
            tracker = find_tracker(url_match.group(), trackers)
            if tracker is not None:
                evidence = _evidence_line(text, match.start())
                yield Tag(match.start(), _line_of(text, match.start()), url_match.group(), tracker, evidence, True)
                break


def _layout_root(display: str) -> str | None:
    """For a framework's default layout (Rails ``layouts/application``, Nuxt ``layouts/default``, Next.js
    ``_document`` and ``app/layout``, ASP.NET ``_Layout``), the folder whose pages it wraps; else ``None``."""
    parts = display.split("/")
    lowered = [part.lower() for part in parts]
    stem = lowered[-1].split(".", 1)[0]
    if "layouts" in lowered[:-1] and stem in ("application", "default"):  # the framework's default layout only
        return "/".join(parts[: lowered.index("layouts")])
    if stem == "_layout":
        return "/".join(parts[: -2 if len(parts) > 1 and lowered[-2] == "shared" else -1])
    if stem == "_document" or (stem == "layout" and len(parts) > 1 and lowered[-2] == "app"):
        return "/".join(parts[:-1])
    return None


def _terminal(name: str) -> bool:
    return any(word in TERMINAL_WORDS for word in _words(name))


def read_markup(name: str, raw: str, trackers: Sequence[Tracker] | None = None) -> Markup:
    """Find the synchronous tracker tags of a page or template and where its head and content are."""
    text = COMMENTS.sub(_blank, raw)
    head = HEAD_END.search(text)
    content = CONTENT_START.search(text)
    content_start = content.start() if content else (head.start() if head else None)
    refs = []
    for match in REFERENCE.finditer(text):
        ref = next(g for g in match.group("a", "b", "c", "d", "e", "f") if g is not None)
        refs.append((ref, match.start(), match.group("kind") == "extends"))
    level = None if _terminal(name) else _higher(critical_level(name), _content_level(text))
    head_end = head.start() if head else None
    markup = Markup(name, text, list(_sync_tags(text, trackers)), head_end, content_start, refs, level)
    markup.layout_root = _layout_root(name)
    return markup


def _position(markup: Markup, offset: int) -> str | None:
    """Where ``offset`` is: "head", "body" (before the main content), None after it or unknown."""
    if markup.head_end is not None and offset < markup.head_end:
        return "head"
    if markup.content_start is not None and offset < markup.content_start:
        return "body"
    return None


def _key(name: str) -> str:
    name = name.lower().lstrip("./")
    while True:
        stem, dot, suffix = name.rpartition(".")
        if dot and "/" not in suffix and "." + suffix in TEMPLATE_SUFFIXES | {".html"}:
            name = stem
        else:
            return name


def _link(markups: list[Markup]) -> None:
    """Record, for each template, which others use it (extends, include, or an implicit layout)."""
    keys = [(_key(m.name), m) for m in markups]
    extending: set[int] = set()
    for user in markups:
        for ref, offset, extends in user.refs:
            wanted = _key(ref)
            folder, _, base = wanted.rpartition("/")
            rails = f"{folder}/_{base}" if folder else f"_{base}"
            for key, used in keys:
                if used is not user and any(key == w or key.endswith("/" + w) for w in (wanted, rails)):
                    used.users.append((user, None if extends else offset))
                    if extends:
                        extending.add(id(user))
    for layout in markups:
        if layout.layout_root is None or layout.users:
            continue  # explicitly extended or included: it is not an implicit layout after all
        root = layout.layout_root + "/" if layout.layout_root else ""
        for page in markups:
            if page.name.startswith(root) and page.level is not None and page.layout_root is None:
                if id(page) not in extending:
                    layout.users.append((page, None))


def _pages_extending(markup: Markup, depth: int = 0) -> list[Markup]:
    """``markup`` if it is critical, and the critical pages that extend it (or use it as their layout)."""
    pages = [markup] if markup.level is not None else []
    if depth <= 6:
        for user, at in markup.users:
            if at is None:
                pages += _pages_extending(user, depth + 1)
    return pages


def _blocked_pages(markup: Markup, offset: int, depth: int = 0) -> list[tuple[Markup, str]]:
    """The critical pages a synchronous tag at ``offset`` of ``markup`` blocks, each with where it blocks."""
    where = _position(markup, offset)
    if where is not None:
        return [(page, where) for page in _pages_extending(markup)]
    if markup.head_end is None and markup.content_start is None and depth <= 6:  # a partial: where it's included
        return [found for user, at in markup.users if at is not None for found in _blocked_pages(user, at, depth + 1)]
    return []


def _tag_finding(markup: Markup, tag: Tag, pages: list[tuple[Markup, str]], location: Location) -> Finding:
    ranked = sorted(pages, key=lambda pair: (pair[0] is not markup, -_rank(pair[0]), pair[0].name))
    page, place = ranked[0]
    severity = Severity.HIGH if any(_rank(p) == Severity.HIGH.rank for p, _ in pages) else Severity.MEDIUM
    what = "tag manager" if tag.tracker.category == "tag-manager" else "tracking script"
    how = "written with document.write" if tag.written else "loaded synchronously"
    spot = "in the <head>" if place == "head" else "before the main content"
    word = page.level[1] if page.level else "critical"
    if page is markup:
        subject = f"this {word} page"
    else:
        kind = "layout" if markup.head_end is not None or markup.implicit_layout else "template"
        others = len({id(p) for p, _ in pages}) - 1
        more = f" and {others} more critical page{'s' if others > 1 else ''}" if others else ""
        subject = f"a {kind} used by the {word} page {page.name}{more}"
    message = (
        f"A {what} ({tag.tracker.entity}, {short_url(tag.url)}) is {how} {spot} of {subject}: "
        "the page waits for a third party before it can render."
    )
    fix = (
        "Remove the tag from critical pages, or load it without blocking: add `async` (or use the vendor's "
        "asynchronous snippet, e.g. Google's GTM snippet that sets `j.async=true`) or move it after the main "
        "content; then check that nothing on the page waits for it (tracking/navigation-waits-for-tracker)."
    )
    return Finding(BLOCKING, severity, message, location, tag.evidence, fix, (SOURCE_RULES, SOURCE_WEBDEV, SOURCE_MDN))


def _rank(page: Markup) -> int:
    return page.level[0].rank if page.level else 0


def _markup_findings(markups: list[Markup], locate: Callable[[Markup, Tag], Location]) -> Iterator[Finding]:
    _link(markups)
    for markup in markups:
        for tag in markup.tags:
            pages = _blocked_pages(markup, tag.offset)
            if pages:
                yield _tag_finding(markup, tag, pages, locate(markup, tag))


# --- code: navigation that waits for a tracker ---------------------------------------------------------

TRACKER_CALL = re.compile(
    r"(?<![\w$.])(?:window\.)?(?:"
    r"gtag|ga|fbq|ttq\.track|snaptr|twq|pintrk|lintrk|rdt|ym|plausible|s\.tl"
    r"|dataLayer\.push|_hsq\.push|_paq\.push|uetq\.push|_kmq\.push"
    r"|analytics\.(?:track|page|identify|group|alias)"
    r"|rudderanalytics\.(?:track|page|identify)"
    r"|mixpanel\.(?:track|identify|people\.set)"
    r"|amplitude(?:\.getInstance\(\s*\))?\.(?:track|logEvent|identify)"
    r"|heap\.(?:track|identify)|posthog\.capture|FS\.event|klaviyo\.track"
    r")\s*\("
)
CALLBACK_KEY = re.compile(r"""["']?\b(?:event_callback|eventCallback|hitCallback|callback)["']?\s*:\s*""")
NAVIGATES = re.compile(
    r"\.(?:request)?[sS]ubmit\b(?!\s*=[^=])|\blocation(?:\.href)?\s*=(?!=)|\blocation\.(?:assign|replace)\s*\("
    r"|\bnavigate(?:To|ByUrl)?\s*\(|\brouter\.(?:push|replace|navigate(?:ByUrl)?)\s*\(|\bhistory\.(?:push|replace)"
    r"|\bwindow\.open\s*\(|\bredirect(?:To)?\s*\(|\bresolve\b|\.click\s*\(\s*\)|\bTurbo\.visit\s*\(|\bgoto\s*\("
)
NAV_NAME = re.compile(r"resolve|submit|navigat|redirect|proceed|continue|go_?to|goTo|checkout|login|signIn", re.I)
FUNCTION_START = re.compile(r"^\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)")
THEN = re.compile(r"^\s*(?:\.promise)?\s*\.then\s*\(")
AWAITED = re.compile(r"\bawait\s+(?:window\.)?$")
MITIGATED = re.compile(
    r"Promise\.race|WithTimeout\s*\(|google_tag_manager|\bga\.loaded\b|\.__loaded\b|\banalytics\.initialized\b"
)
TIMEOUT_CALL = re.compile(r"setTimeout\s*\(")
JS_COMMENTS = re.compile(r"/\*.*?\*/|(?<![:\\\w\"'])//[^\n]*", re.S)
PAIRS = {"(": ")", "[": "]", "{": "}"}


def _closing(text: str, start: int, limit: int = 4000) -> int | None:
    """The index of the bracket closing the one at ``start``, skipping strings; None when unbalanced."""
    stack: list[str] = []
    quote = ""
    index = start
    end = min(len(text), start + limit)
    while index < end:
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char in PAIRS:
            stack.append(PAIRS[char])
        elif char in ")]}":
            if not stack or stack.pop() != char:
                return None
            if not stack:
                return index
        index += 1
    return None


def _arguments(body: str) -> list[str]:
    args, depth, quote, current = [], 0, "", []
    index = 0
    while index < len(body):
        char = body[index]
        current.append(char)
        if quote:
            if char == "\\" and index + 1 < len(body):
                current.append(body[index + 1])
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            current.pop()
            args.append("".join(current).strip())
            current = []
        index += 1
    args.append("".join(current).strip())
    return [a for a in args if a]


def _gated_action(text: str, call_start: int, open_paren: int, close: int) -> str | None:
    """The navigation the tracker call gates, as quoted code, or None."""
    call = text[open_paren + 1 : close]
    for key in CALLBACK_KEY.finditer(call):
        value = call[key.end() :]
        name = re.match(r"[\w$.]+", value)
        if FUNCTION_START.match(value):
            body = value[: (_closing(value, value.find("{")) or len(value)) + 1] if "{" in value[:80] else value
            found = NAVIGATES.search(body)
            if found:
                return found.group()
        elif name and NAV_NAME.search(name.group()) and not FUNCTION_START.match(value):
            return name.group()
    args = _arguments(call)
    if args and FUNCTION_START.match(args[-1]):
        found = NAVIGATES.search(args[-1])
        if found:
            return found.group()
    after = text[close + 1 : close + 600]
    then = THEN.match(after)
    if then:
        end = _closing(after, then.end() - 1)
        found = NAVIGATES.search(after[: end or len(after)])
        if found:
            return found.group()
    line_start = text.rfind("\n", 0, call_start) + 1
    if AWAITED.search(text[line_start:call_start]):
        following = "\n".join(after.split("\n")[:5])
        found = NAVIGATES.search(following)
        if found:
            return found.group()
    return None


def _mitigated(text: str, start: int, end: int) -> bool:
    """A first-party fallback near the call: a timer that navigates, a race, a guard on the tag having loaded."""
    before = text[:start].split("\n")[-8:]
    after = text[end:].split("\n")[:10]
    region = "\n".join(before) + text[start:end] + "\n".join(after)
    if MITIGATED.search(region):
        return True
    for timer in TIMEOUT_CALL.finditer(region):
        argument = region[timer.end() : timer.end() + 300]
        if NAVIGATES.search(argument) or re.match(r"\s*[\w$.]+\s*,", argument):
            return True
    return False


def waits_for_tracker(raw: str) -> Iterator[tuple[int, str, str]]:
    """``(line, evidence, gated code)`` for each tracker call whose callback navigates."""
    text = JS_COMMENTS.sub(_blank, COMMENTS.sub(_blank, raw))
    for match in TRACKER_CALL.finditer(text):
        close = _closing(text, match.end() - 1)
        if close is None:
            continue
        gated = _gated_action(text, match.start(), match.end() - 1, close)
        if gated is None or _mitigated(text, match.start(), close):
            continue
        yield _line_of(text, match.start()), _evidence_line(raw, match.start()), gated


def _wait_finding(line_evidence: tuple[int, str, str], location: Location) -> Finding:
    _, evidence, gated = line_evidence
    message = (
        f"Navigation (`{quote(gated)[:60].strip()}`) happens only once a tracker calls back: with the tracker "
        "blocked or down the callback never runs and the visitor is stuck."
    )
    fix = (
        "Navigate or submit first-party, not from the tracker: let the form submit (or the link follow) normally "
        "and send the event with `transport_type: 'beacon'` / `navigator.sendBeacon`; if the event must be sent "
        "first, add a first-party fallback, e.g. `setTimeout(go, 300)` next to `event_callback: go` (guard `go` "
        "so it runs once). `event_timeout`/`eventTimeout` do not help: they only work once the tag has loaded."
    )
    return Finding(WAITS, Severity.HIGH, message, location, evidence, fix, (SOURCE_RULES, SOURCE_GA))


# --- HAR page loads ----------------------------------------------------------------------------------------


def _har_request_finding(page: HarPage, level: tuple[Severity, str], url: str, tracker: Tracker) -> Finding:
    what = "tag manager" if tracker.category == "tag-manager" else "tracking script"
    message = (
        f"A {what} ({tracker.entity}, {short_url(url)}) is a parser-blocking script of the {level[1]} page "
        f"{short_url(page.url)}: the page waits for a third party before it can render."
    )
    fix = (
        "Load the tag with `async` or the vendor's asynchronous snippet, or remove it from this page; then run "
        "the journey with trackers blocked (trustops audit --journey) to check nothing waits for it."
    )
    location = Location(path=page.har, url=page.url)
    evidence = f"{page.har}: script {short_url(url)} (parser-blocking)"
    return Finding(BLOCKING, level[0], message, location, evidence, fix, (SOURCE_RULES, SOURCE_WEBDEV, SOURCE_MDN))


def _stalled(har_pages: list[HarPage], trackers: Sequence[Tracker] | None) -> Iterator[Finding]:
    if len(har_pages) < 2:
        return
    page = har_pages[-1]
    level = critical_level(page.url)
    if level is None:
        return
    failed_at = next(
        (i for i, r in enumerate(page.requests) if r.failed and find_tracker(r.url, trackers) is not None), None
    )
    if failed_at is None or any(r.resource_type == "document" for r in page.requests[failed_at + 1 :]):
        return
    request = page.requests[failed_at]
    tracker = find_tracker(request.url, trackers)
    assert tracker is not None
    message = (
        f"The recorded journey ends on the {level[1]} page {short_url(page.url)} right after a request to "
        f"{tracker.entity} failed: the next page never loaded, which suggests the page depends on the tracker."
    )
    fix = (
        "Run the journey with trackers blocked (trustops audit --journey FILE) to confirm; then make the page "
        "submit and navigate without waiting for the tracker (see tracking/navigation-waits-for-tracker)."
    )
    evidence = f"{page.har}: {request.method} {short_url(request.url)} failed; no document after it"
    location = Location(path=page.har, url=page.url)
    yield Finding(STALLED, Severity.MEDIUM, message, location, evidence, fix, (SOURCE_RULES,))


def _documents(responses: Iterable[Response]) -> dict[tuple[str | None, str], Response]:
    return {
        (r.har, r.url): r for r in responses if "html" in r.content_type.lower() and r.body.strip() and r.status < 400
    }


def _at_url(response: Response) -> Callable[[Markup, Tag], Location]:
    def locate(markup: Markup, tag: Tag) -> Location:
        return Location(path=response.har, url=response.url, status=response.status)

    return locate


def _page_markups(context: Context, trackers: Sequence[Tracker] | None) -> Iterator[Finding]:
    """HTML documents from live URLs and HAR recordings, and HAR pages without their HTML."""
    documents = _documents(context.sources.responses)
    pages_by_har: dict[str, list[HarPage]] = {}
    for page in context.sources.pages:
        pages_by_har.setdefault(page.har, []).append(page)
    read: set[tuple[str | None, str]] = set()
    for (har, url), response in documents.items():
        if har is not None and not any(p.url == url for p in pages_by_har.get(har, [])):
            continue
        read.add((har, url))
        markup = read_markup(url, response.body, trackers)
        yield from _markup_findings([markup], _at_url(response))
        for line_evidence in waits_for_tracker(response.body):
            yield _wait_finding(line_evidence, Location(path=har, url=url, status=response.status))
    for har, har_pages in pages_by_har.items():
        for page in har_pages:
            level = critical_level(page.url)
            if level is None or (har, page.url) in read:
                continue
            seen: set[str] = set()
            for request in page.requests:
                tracker = find_tracker(request.url, trackers)
                if request.blocking and request.resource_type == "script" and tracker and request.url not in seen:
                    seen.add(request.url)
                    yield _har_request_finding(page, level, request.url, tracker)
        yield from _stalled(har_pages, trackers)


# --- the family ------------------------------------------------------------------------------------------


def _is_minified(source: FileSource) -> bool:
    lines = source.lines
    return source.name.endswith((".min.js", ".bundle.js")) or (
        bool(lines) and len(source.text or "") / len(lines) > 500
    )


def scan(context: Context) -> Iterator[Finding]:
    trackers = _option_trackers(context)
    markups: list[Markup] = []
    for source in context.sources.files:
        suffix = source.suffix
        if suffix not in TEMPLATE_SUFFIXES and suffix not in SCRIPT_SUFFIXES:
            continue
        text = source.text
        if text is None or _is_minified(source):
            continue
        if suffix in TEMPLATE_SUFFIXES:
            markups.append(read_markup(source.display, text, trackers))
        for line_evidence in waits_for_tracker(text):
            yield _wait_finding(line_evidence, Location(path=source.display, line=line_evidence[0]))

    def locate(markup: Markup, tag: Tag) -> Location:
        return Location(path=markup.name, line=tag.line)

    yield from _markup_findings(markups, locate)
    yield from _page_markups(context, trackers)
    journey = context.options.get("tracking.journey")
    if journey:
        from trustops.audit.families.journey import run_journeys

        yield from run_journeys(journey, warn=context.warn, tracker_domains=trackers)


def _option_trackers(context: Context) -> tuple[Tracker, ...] | None:
    """Extra tracker domains from the ``tracking.trackers`` option (added to the bundled list)."""
    extra = context.options.get("tracking.trackers")
    if not extra:
        return None
    if not isinstance(extra, list | tuple) or not all(isinstance(d, str) for d in extra):
        context.warn(AuditWarning("tracking.trackers", "expected a list of domain names; ignored"))
        return None
    return tracker_list() + trackers_from(extra)


FAMILY = Family(
    id="tracking",
    title="Core functionality tied to third-party tracking",
    doc=(
        "Critical journeys (login, cart, checkout, payment) must work when trackers are slow, down or blocked. "
        "Reports tracking and tag-manager scripts loaded synchronously in the head or before the content of "
        "critical pages (templates, layouts they use, HTML pages and HAR recordings), first-party code that "
        "submits or navigates only from a tracker's callback, HAR journeys that stop where a tracker failed, and "
        "(live, optional) journeys that complete in Chromium only when trackers are allowed. Tracker domains "
        "are modelled on third-party-web. Sources: trustops rules.md §8, web.dev, Google Analytics docs."
    ),
    rules=(BLOCKING, WAITS, STALLED, NEEDS),
    scan=scan,
)
