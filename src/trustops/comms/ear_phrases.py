"""The EAR lint's phrase lists: data, in our own wording, read by :mod:`trustops.comms.ear`.

Each rule is a slug, a severity, what is wrong, how to fix it, and the patterns that trigger it. The
classes come from rules.md §3 (non-apologies, breach clichés, Empathy / Accountability / Resolution)
and §1 (no ETA, no internal detail; PagerDuty Customer Liaison). proselint misses "We apologise for any
inconvenience", which is why trustops keeps its own lists.

Patterns are written as phrases: a space matches any run of whitespace (mail bodies wrap lines), a
straight apostrophe also matches a curly one, and every pattern must start and end on a word boundary.
They are case-insensitive; ``(?-i:...)`` marks the parts that are not. British and American spellings
are both listed (``apologi[sz]e``, ``cent(?:re|er)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Severity = Literal["high", "medium", "low"]


# A character class, or an (optional) space or an apostrophe outside one.
_SPACE_OR_QUOTE = re.compile(r"\[(?:\\.|[^\]\\])*\]| \?| |'")


def _widen(match: re.Match[str]) -> str:
    found = match.group(0)
    if found == " ?":
        return r"\s*"
    if found == " ":
        return r"\s+"
    if found == "'":
        return "['’]"
    return found.replace("'", "'’")


def compile_phrase(phrase: str, *, bounded: bool = True) -> re.Pattern[str]:
    """One pattern from phrase notation: spaces match any whitespace, ``'`` matches ``’`` too."""
    body = _SPACE_OR_QUOTE.sub(_widen, phrase)
    if bounded:
        body = rf"(?<![\w'’])(?:{body})(?![\w'’])"
    return re.compile(body, re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    slug: str
    severity: Severity
    message: str
    suggestion: str
    phrases: tuple[str, ...]
    exempt: tuple[str, ...] = ()  # a match overlapping one of these is not a finding
    bounded: bool = True  # False for patterns that start or end on punctuation (placeholders)

    @property
    def patterns(self) -> tuple[re.Pattern[str], ...]:
        return compiled(self.phrases, bounded=self.bounded)

    @property
    def exemptions(self) -> tuple[re.Pattern[str], ...]:
        return compiled(self.exempt)


_CACHE: dict[tuple[tuple[str, ...], bool], tuple[re.Pattern[str], ...]] = {}


_UNIONS: dict[tuple[str, ...], re.Pattern[str]] = {}


def union(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern matching any phrase of the list: one search instead of one per phrase."""
    if phrases not in _UNIONS:
        _UNIONS[phrases] = re.compile("|".join(p.pattern for p in compiled(phrases)), re.IGNORECASE)
    return _UNIONS[phrases]


def compiled(phrases: tuple[str, ...], *, bounded: bool = True) -> tuple[re.Pattern[str], ...]:
    """The compiled patterns of a phrase list, built once."""
    key = (phrases, bounded)
    if key not in _CACHE:
        _CACHE[key] = tuple(compile_phrase(p, bounded=bounded) for p in phrases)
    return _CACHE[key]


APOLOGISE = r"apologi[sz]e"
VAGUE_HARM = r"(?:inconvenience|disruption|trouble|issues?|problems?|difficult(?:y|ies)|frustration|confusion)"
# "the inconvenience" is as vague as "any", unless the sentence goes on to say which ("…to your order").
VAGUE_THE = (
    r"the (?:inconvenience|disruption|trouble|frustration|confusion)"
    r"(?! (?:with|to|of|on|in|at|during|when|you|your|for you))"
)
MAY_HAVE_CAUSED = r"(?: (?:this|that|it|which) (?:may|might|could) have caused(?: you)?)?"
TIMEFRAME = (
    r"(?:shortly|soon|very soon|quickly|momentarily|later today"
    r"|(?:with)?in (?:the next |about |around |roughly |approximately |under |less than )?"
    r"(?:\d+|an?|one|two|three|four|five|six|a few|few|several|half an|a couple of) ?"
    r"(?:minutes?|mins?|hours?|hrs?|h|days?)"
    r"|within the (?:hour|day)"
    r"|by (?:\d{1,2}(?:[:.]\d{2})? ?(?:am|pm|a\.m\.|p\.m\.)?(?: ?(?-i:[A-Z]{2,4}))?"
    r"|noon|midnight|tonight|tomorrow|today|the end of (?:the )?day|end of day|(?-i:EOD)"
    r"|this (?:morning|afternoon|evening)))"
)
DONE = (
    r"(?:fixed|resolved|restored|repaired|back(?: up)?(?: and running)?|working(?: again| normally)?"
    r"|available(?: again)?|online|up and running|running(?: again)?|operational|sorted|completed?|finished|done"
    r"|resolve (?:this|it|the (?:issue|problem))|fix (?:this|it|the (?:issue|problem))|restore (?:service|it))"
)
URL_OR_ADDRESS = (r"https?://[^\s<>\"]+", r"www\.[^\s<>\"]+", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

BOILERPLATE = Rule(
    "boilerplate-apology",
    "high",
    "A stock apology for 'any inconvenience' says nothing about what happened to this reader.",
    "Name what went wrong for them: 'We are sorry that you could not complete checkout on Tuesday.'",
    (
        rf"(?:(?:we|I) (?:sincerely |deeply |truly )?)?{APOLOGISE} for (?:any {VAGUE_HARM}|{VAGUE_THE}){MAY_HAVE_CAUSED}",
        rf"(?:(?:we|I)(?:'re| are|'m| am) (?:very |so |truly |really |deeply )?)?sorry for (?:any {VAGUE_HARM}|{VAGUE_THE})"
        rf"{MAY_HAVE_CAUSED}",
        rf"(?:our |my )?(?:sincere |deepest )?apologies for (?:any {VAGUE_HARM}|{VAGUE_THE}){MAY_HAVE_CAUSED}",
        rf"(?:(?:we|I) )?regret (?:any {VAGUE_HARM}|{VAGUE_THE}){MAY_HAVE_CAUSED}",
        r"(?:we|I) regret to inform you",
        rf"(?:any {VAGUE_HARM}|{VAGUE_THE}) (?:this|that|it|which) (?:may|might|could) have caused(?: you)?",
    ),
)
CONDITIONAL = Rule(
    "conditional-apology",
    "high",
    "A conditional apology doubts that anyone was hurt, so it reads as no apology at all.",
    "Say plainly that it happened and that you are sorry: 'We are sorry that your payment failed.'",
    (
        r"if (?:you|anyone|anybody|any of you|any customers?|some customers|some of you)"
        r"(?: (?:were|was|have been|has been|had been|may have been|might have been|felt))?"
        r" (?:affected|impacted|inconvenienced|disappointed|upset|offended|troubled)",
        rf"(?:sorry|{APOLOGISE}|regret) if (?:you|your|anyone|anybody|this|that|it|we|our|any)",
        r"sorry (?:that )?you (?:feel|felt|feel that|were upset|are upset|are unhappy|were unhappy)",
        r"(?:to|for) (?:anyone|those|any customers?|any of you) (?:who|that) (?:may|might) have been"
        r" (?:affected|impacted|inconvenienced)",
        r"if (?:this|that|it) (?:has )?caused (?:you )?(?:any )?(?:inconvenience|trouble|problems?|issues?)",
    ),
)
DEFERRED = Rule(
    "deferred-apology",
    "medium",
    "Saying you would like to apologise is not yet an apology.",
    "Apologise directly: 'We are sorry.'",
    (
        rf"(?:we|I)(?:'d| would| wish| want| wanted) (?:like )?to (?:sincerely )?(?:{APOLOGISE}|say sorry"
        r"|offer (?:our|my) (?:sincere |sincerest )?apolog(?:y|ies)|express (?:our|my) regrets?)",
    ),
)
PASSIVE_APOLOGY = Rule(
    "passive-apology",
    "high",
    "A passive apology hides who made the mistake.",
    "Use the first person: 'We made a mistake when we changed the payment page.'",
    (
        r"(?:mistakes|errors) (?:were|have been|had been) made",
        r"(?:the|this|that|an?) (?:error|mistake|oversight|incident|outage|failure) (?:is|was|has been) regretted",
        r"(?:it|this) is regretted",
    ),
)
BLAME_SHIFTING = Rule(
    "blame-shifting",
    "high",
    "This moves the fault onto the reader's understanding instead of owning it.",
    "Own the problem and explain it once more, plainly.",
    (
        r"if (?:our|my) (?:actions|words|message|e-?mail|communication|intentions?) (?:was|were|have been|has been)"
        r" misunderstood",
        r"(?:you|some customers|some of you) may have misunderstood",
        r"as (?:was )?(?:clearly |previously )?(?:stated|explained|outlined|mentioned) in our",
        r"as per our (?:terms|policy|policies)",
        r"in accordance with our terms",
        r"(?:you|customers) (?:should|could) have (?:read|checked|known)",
    ),
)
BLAMES_USER = Rule(
    "blames-user",
    "high",
    "This blames the customer for a failure on our side.",
    "Say what went wrong on our side and what they need to do, if anything.",
    (
        r"please (?:check|verify|confirm|double-check) (?:that )?your (?:card|payment|billing|bank|account|login"
        r"|password|address|details|information|input|settings|connection)(?: details| information| number)?",
        r"(?:user|operator|customer) error",
        r"(?-i:PEBKAC)",
        r"(?:you|the user|the customer) (?:entered|typed|provided|used|gave|submitted) (?:an? |the )?"
        r"(?:wrong|incorrect|invalid|bad)",
        r"you (?:forgot|failed) to",
        r"you (?:did not|didn't) (?:follow|read|check)",
        r"(?:incorrect|invalid|wrong) (?:card|payment|billing|login|password|details|information|input|data)"
        r"(?: details| information)?",
        r"(?:clear|empty|delete) your (?:browser )?(?:cache|cookies)",
        r"(?:on|at) your (?:end|side)",
        r"your (?:browser|device|network|connection|internet|computer|phone) (?:is|was|may be|might be|could be)",
        r"(?:make sure|ensure) (?:that )?you (?:have|are|entered|typed)",
        r"(?:problem|issue|error|fault) (?:is|was|lies|lay) (?:on|with) your",
    ),
)
DENIES_RESPONSIBILITY = Rule(
    "denies-responsibility",
    "high",
    "Denying responsibility undoes the apology.",
    "Own the problem even when a supplier caused it (Atlassian): 'This was our fault.'",
    (
        r"not our fault",
        r"(?:we are|we're|we were|we) (?:not|never) (?:responsible|liable|to blame|at fault)",
        r"(?:cannot|can't|can not) be held (?:responsible|liable)",
        r"through no fault of (?:our|its) own",
        r"no fault of ours",
        r"(?:was|is) not (?:caused by|due to) (?:us|our)",
        r"(?:accept|admit) no (?:liability|responsibility)",
    ),
)
DEFENSIVE = Rule(
    "defensive",
    "medium",
    "Defensive phrasing puts our reputation before the reader's problem.",
    "Drop it and say what happened to them and what we changed.",
    (
        r"(?:we|I) (?:always|consistently) (?:strive|aim|work hard)",
        r"(?:despite|in spite of) (?:our|all our) (?:best )?efforts",
        r"(?:our|the) systems? (?:worked|performed|behaved) as (?:designed|intended|expected)",
        r"industry[- ](?:standard|leading|best)",
        r"(?:as|like) (?:many|most|other) (?:companies|providers|businesses)",
        r"these things happen",
        r"no system is perfect",
        r"(?:a )?(?:rare|isolated|one-off) (?:incident|event|occurrence)",
        r"(?:we have|with) robust",
        r"unforeseen circumstances",
        r"(?:beyond|outside(?: of)?) our control",
    ),
)
BREACH_CLICHE = Rule(
    "breach-cliche",
    "medium",
    "Readers have learned that this breach cliché means nothing.",
    "Say exactly what happened to their data and what they should do.",
    (
        r"we take (?:your |the )?(?:privacy|security|data protection|protection of your data|security of your"
        r" (?:data|information)) (?:very |extremely |incredibly )?seriously",
        r"(?:out of|in) an abundance of caution",
        r"(?:highly |very |extremely )?sophisticated (?:cyber[- ]?)?attack",
        r"a (?:very )?(?:small|limited) (?:number|percentage|subset|fraction|group) of (?:our )?"
        r"(?:users|customers|accounts|people|clients)",
        r"(?:the )?(?:security|privacy|protection) of your (?:data|information) is our (?:top|highest|number one)"
        r" priority",
        r"your (?:trust|privacy|security) is (?:of )?(?:the )?(?:utmost|paramount|our top priority)",
    ),
)
PROMOTION = Rule(
    "promotion",
    "high",
    "A promotion inside an apology reads as using the failure to sell.",
    "Take the offer out; if we owe compensation, say so plainly (a refund or a credit), without a sales pitch.",
    (
        r"(?:discount|promo(?:tion(?:al)?)?|coupon|voucher) codes?",
        r"coupons?",
        r"vouchers?",
        r"(?:use|enter|apply) (?:the )?code",
        r"\d{1,3} ?% off",
        r"\d{1,3} ?percent off",
        r"save \d{1,3} ?%",
        r"free (?:shipping|delivery|gift|month|trial)",
        r"(?:shop|buy|order|book|upgrade) now",
        r"limited[- ]time (?:offer|deal|only)",
        r"(?:special|exclusive) (?:offer|deal|discount)s?",
        r"(?:check out|discover|don't miss) our (?:new|latest)",
        r"flash sale",
        r"sale ends",
    ),
)
GUESSED_ETA = Rule(
    "guessed-eta",
    "high",
    "A guessed time for the fix becomes a broken promise when it slips (PagerDuty: no resolution ETAs).",
    "Promise only the next update: 'Next update by 14:30 UTC.'",
    (
        r"(?-i:ETA)",
        r"(?-i:E\.T\.A\.)",
        rf"(?:should|will|would|expect(?:ed)? to|hope to|aim to|plan to|are going to|is going to|to)"
        rf" (?:be )?(?:fully )?{DONE}(?: again)? {TIMEFRAME}",
        rf"(?:a |the )?(?:fix|resolution|repair) (?:is )?(?:expected|due|planned|scheduled)(?: {TIMEFRAME})?",
        r"estimated (?:time to (?:fix|resolution|resolve|recovery)|resolution(?: time)?|fix time|recovery time)",
        r"by \d{1,2}(?:[:.]\d{2})? ?(?:am|pm|a\.m\.|p\.m\.)",
    ),
    exempt=(
        r"(?:next|another|further|an?|the) update (?:by|at|in|within|before) [^!?\n]{1,40}",
        r"(?:post|share|send|give|provide) (?:an(?:other)?|the next|a further) update [^.!?\n]{1,40}",
    ),
)
JARGON = Rule(
    "technical-jargon",
    "medium",
    "Technical words make the reader work to understand what happened to them.",
    "Describe the effect in everyday words: 'the checkout page would not load' instead of 'HTTP 500'.",
    (
        r"(?-i:HTTPS?) ?[45]\d\d(?: (?:errors?|status(?:es)?|responses?|codes?))?",
        r"(?-i:HTTPS?)",
        r"[45]\d\d (?:errors?|status(?:es)?|responses?|codes?)",
        r"(?:error|status|code) [45]\d\d",
        r"(?-i:[45]xx)",
        r"internal server error",
        r"bad gateway",
        r"gateway time-?out",
        r"bad request",
        r"(?-i:DNS|TLS|SSL|CDN|SQL|CPU|OOM|SMTP|BGP|VPN|SLO|SLA|k8s)",
        r"databases?",
        r"(?-i:DB)",
        r"latency",
        r"upstream",
        r"downstream",
        r"pods?",
        r"(?:re-?)?deploy(?:s|ed|ing|ments?)?",
        r"hot-?fix(?:es|ed)?",
        r"kubernetes",
        r"containers?",
        r"clusters?",
        r"nodes?",
        r"load[- ]balancers?",
        r"endpoints?",
        r"back-?end",
        r"micro-?services?",
        r"caching",
        r"fail-?over",
        r"replicas?",
        r"replication",
        r"shard(?:s|ing)?",
        r"null",
        r"undefined",
        r"exceptions?",
        r"stack ?traces?",
        r"segfault|segmentation fault",
        r"out of memory",
        r"memory leak",
        r"race condition",
        r"time-?outs?",
        r"throttl(?:ed|ing|e)",
        r"rate[- ]limit(?:s|ed|ing)?",
        r"packet loss",
        r"config(?:uration)? (?:push|drift|flags?)",
        r"feature flags?",
        r"cron(?: ?jobs?)?",
        r"p9[59]",
    ),
    exempt=URL_OR_ADDRESS,
)
INTERNAL_DETAIL = Rule(
    "internal-detail",
    "high",
    "Internal detail (host names, addresses, stack traces) means nothing to customers and shows our insides.",
    "Remove it; say which feature was affected in the customer's words.",
    (
        r"(?-i:[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[a-z0-9]*\d[a-z0-9]*)",  # db-01, web-3, checkout-7d9f8b-x2k4q
        r"[\w-]+(?:\.[\w-]+)*\.(?:internal|local|lan|corp|intra|svc)",
        r"\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?",
        r"Traceback \(most recent call last\):?",
        r"File \"[^\"\n]{1,200}\", line \d+",
        r"at [\w$.]{1,200}\([\w$.]{1,200}:\d+\)",
        r"(?-i:[A-Z][A-Za-z]+(?:Error|Exception))",
        r"0x[0-9a-f]{6,}",
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    ),
    exempt=URL_OR_ADDRESS,
)
LEVITY = Rule(
    "levity",
    "medium",
    "Jokes about a failure read as not taking the reader's problem seriously.",
    "Drop the joke; say what happened and that you are sorry.",
    (r"oops(?:ie)?", r"whoops", r"uh-?oh", r"d'oh", r"yikes", r"our bad", r"my bad"),
)
PLACEHOLDER = Rule(
    "placeholder",
    "high",
    "A placeholder is still in the text.",
    "Replace the bracketed prompt with the real sentence before sending.",
    (
        r"\[(?![xX ]\])[^\[\]\n]{3,200}\](?!\()",
        r"\{[a-z_]{1,40}\}",
        r"(?<!\w)(?-i:TODO|TBD|FIXME)(?!\w)",
        r"(?<!\w)lorem ipsum(?!\w)",
    ),
    bounded=False,
)

# Every rule that a phrase triggers, in report order.
PHRASE_RULES: tuple[Rule, ...] = (
    BOILERPLATE,
    CONDITIONAL,
    DEFERRED,
    PASSIVE_APOLOGY,
    BLAME_SHIFTING,
    BLAMES_USER,
    DENIES_RESPONSIBILITY,
    DEFENSIVE,
    BREACH_CLICHE,
    PROMOTION,
    GUESSED_ETA,
    JARGON,
    INTERNAL_DETAIL,
    LEVITY,
    PLACEHOLDER,
)

# Rules found by reading a whole sentence rather than one phrase.
PASSIVE_VOICE = Rule(
    "passive-voice",
    "medium",
    "Passive voice next to a failure hides who was responsible.",
    "Say who did it, in the first person: 'Our change stopped your order e-mails.'",
    (),
)
BLAMES_VENDOR = Rule(
    "blames-vendor",
    "medium",
    "Pointing at a supplier reads as an excuse; customers chose us, not our suppliers (Atlassian: own it).",
    "Own the problem: 'Our payment provider had an outage and we had no backup in place. That is on us.'",
    (),
)
LONG_SENTENCE = Rule(
    "long-sentence",
    "low",
    "A sentence this long is hard to follow (aim for a reading age of about 9).",
    "Split it into two or three shorter sentences.",
    (),
)
INTERNAL_NAME = Rule(
    "internal-name",
    "high",
    "An internal component's name or id must never appear in a public update.",
    "Name the public feature customers use instead.",
    (),
)

# Missing parts of an apology, reported at the end of the text where the sentence would go.
MISSING_RESOLUTION = Rule(
    "missing-resolution",
    "high",
    "There is no concrete resolution: nothing says what was fixed, what changes next or what the reader must do.",
    "Add what we fixed, what we are changing so it cannot happen again, and 'You do not need to do anything.'",
    (),
)
MISSING: dict[str, Rule] = {
    "impact": Rule(
        "missing-impact",
        "medium",
        "Nothing tells the reader what happened to them.",
        "Say what they could not do, in the second person: 'You could not complete checkout.'",
        (),
    ),
    "feature": Rule(
        "missing-feature",
        "low",
        "The affected feature is not named.",
        "Name the feature they use: checkout, login, order e-mails…",
        (),
    ),
    "time": Rule(
        "missing-time-window",
        "low",
        "The time window is missing.",
        "Say when it happened: 'on Tuesday 3 May between 10:05 and 10:48 UTC'.",
        (),
    ),
    "apology": Rule(
        "missing-apology",
        "medium",
        "There is no plain apology.",
        "Say 'We are sorry' and what for.",
        (),
    ),
    "cause": Rule(
        "missing-cause",
        "medium",
        "The cause is not given in the first person.",
        "Say what went wrong, starting with 'We' or 'Our': 'Our update to the payment page had a bug.'",
        (),
    ),
    "fixed": Rule(
        "missing-fix",
        "medium",
        "Nothing says what was fixed.",
        "Say what we fixed: 'We removed the faulty update at 10:48 UTC.'",
        (),
    ),
    "prevention": Rule(
        "missing-prevention",
        "medium",
        "Nothing says what changes so it does not happen again.",
        "Say what we are changing: 'We have added an automatic check that stops this kind of update.'",
        (),
    ),
    "action": Rule(
        "missing-customer-action",
        "low",
        "The reader is not told what they must do.",
        "Tell them, or say 'You do not need to do anything.'",
        (),
    ),
    "contact": Rule(
        "missing-contact",
        "low",
        "There is no way to reach us.",
        "Add a contact point: 'Reply to this e-mail and a person on our team will answer.'",
        (),
    ),
}

# Signals the E, A and R scores look for. Each is a phrase list like the rules'.
SECOND_PERSON = (r"you", r"your", r"yours", r"you're", r"you've", r"you'd", r"you'll")
FIRST_PERSON = (r"we", r"our", r"ours", r"us", r"I", r"my", r"we're", r"we've", r"we'd", r"we'll", r"I'm", r"I've")
IMPACT = (
    r"could not",
    r"couldn't",
    r"could not be",
    r"cannot",
    r"can't",
    r"(?:were|was|are|am) (?:not )?unable",
    r"(?:weren't|wasn't|were not|was not) able",
    r"did not (?:work|load|arrive|go through|reach)",
    r"didn't (?:work|load|arrive|go through|reach)",
    r"failed",
    r"(?:saw|got|received|hit) (?:an? )?(?:error|error message|error page|blank page)s?",
    r"(?:charged|billed) twice",
    r"(?:were|was) (?:charged|billed|declined|rejected|logged out|lost|delayed|stuck|late|missing|slow)",
    r"declined",
    r"rejected",
    r"(?:lost|missed)",
    r"(?:delayed|late|slow|stuck)",
    r"had to (?:wait|try again|retry)",
    r"not working",
    r"stopped working",
    r"timed out",
    r"disappeared",
    r"unavailable",
)
FEATURE_WORDS = (
    r"check-?out",
    r"payments?",
    r"(?:card|bank) (?:payments?|transfers?)",
    r"log ?in",
    r"log-in",
    r"sign[- ]?in",
    r"accounts?",
    r"orders?",
    r"(?:shopping )?(?:cart|basket)s?",
    r"search(?:es)?",
    r"deliver(?:y|ies)",
    r"tracking",
    r"bookings?",
    r"reservations?",
    r"subscriptions?",
    r"invoices?",
    r"billing",
    r"app",
    r"web ?site",
    r"site",
    r"pages?",
    r"dashboard",
    r"(?:up|down)loads?",
    r"e-?mails?",
    r"messages?",
    r"notifications?",
    r"password reset",
    r"(?:product )?(?:images|photos|pictures)",
    r"store",
    r"shop",
    r"transfers?",
    r"statements?",
    r"reports?",
    r"calendar",
    r"chat",
    r"video",
    r"calls?",
    r"refunds?",
    r"receipts?",
)
TIME_WINDOW = (
    r"\d{1,2}[:.]\d{2}",
    r"\d{1,2} ?(?:am|pm|a\.m\.|p\.m\.)",
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day",
    r"(?-i:(?:Jan|Febr)uary|March|April|June|July|August|(?:Septem|Octo|Novem|Decem)ber)",
    r"\d{1,2}(?:st|nd|rd|th)? (?-i:May)",
    r"(?-i:May) \d{1,2}",
    r"\d{4}-\d{2}-\d{2}",
    r"\d{1,2}/\d{1,2}(?:/\d{2,4})?",
    r"yesterday",
    r"today",
    r"this (?:morning|afternoon|evening|week)",
    r"last (?:night|week|weekend)",
    r"tonight",
    r"for (?:about |around |nearly |almost |over |more than |less than )?(?:\d+|an?|one|two|three|half an) "
    r"(?:minutes?|hours?|days?)",
)
FEELING = (
    r"frustrat(?:ing|ed|ion)",
    r"(?:we|I) know how",
    r"(?:we|I) understand",
    r"not good enough",
    r"let you down",
    r"wasted your time",
    r"you rel(?:y|ied) on",
    r"you trust(?:ed)? us",
    r"disappoint(?:ing|ed|ment)",
    r"annoying",
    r"stressful",
    r"worr(?:y|ied|ying)",
)
APOLOGY = (
    r"(?:we|I)(?:'re| are|'m| am) (?:so |very |truly |deeply |really |sincerely )?sorry",
    rf"(?:we|I) (?:sincerely |truly |deeply )?{APOLOGISE}",
    r"(?:our|my) (?:sincere |sincerest |deepest )?apologies",
    r"sorry (?:that|for|about)",
)
OWNERSHIP = (
    r"(?:this|that|it) (?:was|is|'s) (?:entirely |all |completely |fully )?(?:our|my) (?:fault|mistake|"
    r"responsibility|doing)",
    r"(?:we|I) take (?:full |complete )?responsibility",
    r"(?:we|I) (?:got|get) (?:this|it|that) wrong",
    r"(?:we|I) let you down",
    r"(?:that|this|it)(?:'s| is| was) on us",
    r"(?:we|I) (?:are|am|were|was) (?:fully |entirely )?responsible",
    r"(?:we|I) made (?:a|an|this|that) (?:mistake|error)",
    r"our (?:fault|mistake)",
    r"we own (?:this|it|that)",
)
ACTIVE_CAUSE = (
    # "we" and an active verb in the past: any regular one ("we renewed"), or a common irregular one.
    r"(?:we|I) (?:[\w-]+ ){0,2}?(?:\w+ed|broke|made|sent|ran|set|forgot|took|let|put|gave|did not|didn't"
    r"|failed to|misread|overlooked)",
    r"(?:our|my) (?:[\w-]+ ){0,5}?(?:caused|broke|introduced|had (?:a|an) (?:bug|error|mistake|flaw|fault)"
    r"|contained (?:a|an) (?:bug|error|mistake)|failed|stopped|rejected|went wrong|did not|didn't|could not"
    r"|couldn't|sent|charged|blocked|deleted)",
)
FAILURE = (
    r"errors?",
    r"mistakes?",
    r"faults?",
    r"faulty",
    r"bugs?",
    r"fail(?:ed|ure|ures|ing|s)?",
    r"outages?",
    r"problems?",
    r"issues?",
    r"incidents?",
    r"disruptions?",
    r"glitch(?:es)?",
    r"downtime",
    r"interruptions?",
    r"broke(?:n)?",
    r"wrong",
    r"caused",
    r"introduced",
    r"stopped",
    r"rejected",
    r"crash(?:ed|es)?",
    r"blocked",
    r"missed",
    r"forgot",
    r"overlooked",
    r"misconfigured",
)
CAUSE = (
    r"because",
    r"caused",
    r"the cause",
    r"due to",
    r"what happened",
    r"went wrong",
    r"happened (?:when|after|because)",
    r"(?:after|when) (?:we|our)",
    r"root cause",
)
FIXED = (
    r"(?:we|I)(?:'ve| have)? (?:now |since |quickly )?(?:fixed|repaired|corrected|restored|resolved|reverted"
    r"|rolled back|undid|undone|removed|replaced|refunded|reversed|cancelled|canceled|credited|re-?sent"
    r"|reprocessed|recovered)",
    r"(?:is|are|was|were|has been|have been) (?:now )?(?:fully )?(?:fixed|resolved|restored|repaired|corrected"
    r"|refunded|back to normal|working (?:again|normally|as (?:expected|usual)))",
    r"(?:is|are) (?:now )?working (?:again|normally)",
    r"back to normal",
)
PREVENTION = (
    r"to (?:prevent|stop|avoid) (?:this|it|that|a repeat|the same)",
    r"(?:so|so that|to make sure|to ensure|making sure) (?:this|it|that) (?:cannot|can't|won't|will not|does not"
    r"|doesn't|never|can never|will never) happens? again",
    r"from happening again",
    r"from now on",
    r"going forward",
    r"in (?:the )?future",
    r"(?:we|I)(?:'ve| have| are| will)? (?:now )?(?:added|adding|add|introduced|introducing|changed|changing|built"
    r"|building|put in place|putting in place|set up|setting up|require|requiring|review|reviewing|improved"
    r"|improving|strengthened|strengthening) (?:[\w'-]+ ){0,8}?(?:checks?|tests?|alerts?|reviews?|safeguards?"
    r"|process|monitoring|steps?|limits?|backups?|fallbacks?|protections?|approvals?)",
    r"(?:new|extra|additional|automatic|automated|second) (?:checks?|tests?|alerts?|reviews?|safeguards?"
    r"|approvals?|steps?|backups?)",
)
CUSTOMER_ACTION = (
    r"you (?:do not|don't|won't|will not) (?:need|have) to do anything",
    r"no action (?:is )?(?:needed|required|necessary)",
    r"(?:there is )?nothing (?:you need to do|for you to do|more you need to do)",
    r"(?:please|you (?:will )?need to|you should|you can now|you may need to) (?:re-?try|try|place|log|sign|reset"
    r"|update|re-?enter|resubmit|check|confirm|contact|reply|visit|download|install|change)",
    r"you can (?:now )?(?:use|place|complete|log|sign|try|pay|order)",
)
CONTACT = (
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    r"\+?\d[\d ()-]{7,}\d",
    r"https?://[^\s<>\"]+",
    r"www\.[^\s<>\"]+",
    r"reply to this (?:e-?mail|message|letter)",
    r"(?:contact|call|e-?mail|write to|message|chat with|reach) (?:us|our (?:support|customer|help|team)|support"
    r"|the team|me)",
    r"get in touch",
    r"(?:your|our) account manager",
    r"help (?:centre|center)",
    r"support team",
)
VENDOR = (
    r"(?:third[- ]party|external) (?:vendors?|suppliers?|providers?|services?|partners?|systems?)",
    r"(?:our|a|the|one of our) (?:[\w-]+ )?(?:vendor|supplier|provider|partner|processor|hosting company"
    r"|data cent(?:re|er))(?:'s)?",
    r"(?-i:AWS|Amazon Web Services|Azure|Google Cloud|GCP|Cloudflare|Akamai|Fastly|Stripe|PayPal|Adyen|Twilio"
    r"|SendGrid|Heroku|DigitalOcean|Microsoft|Salesforce)",
)
AUXILIARY = r"(?:was|were|is|are|has been|have been|had been|been|being) (?:\w+ly )?"
FAILURE_NOUN = r"(?:errors?|problems?|issues?|bugs?|faults?|glitch(?:es)?|outages?|failures?|mistakes?)"
PASSIVE = (
    rf"{AUXILIARY}(?:caused|made|introduced|experienced|encountered|triggered|created|missed|overlooked|broken"
    r"|done|allowed|released|pushed|changed|misconfigured|deployed|shipped|rolled out)",
    rf"{AUXILIARY}\w+ed by (?:an?|the|some) (?:[\w-]+ )?{FAILURE_NOUN}",
)
LONG_SENTENCE_WORDS = 30
