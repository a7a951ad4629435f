"""Silent failures: scheduled jobs that nobody hears from when they stop working.

A backup that has failed every night for three weeks is found on the day the restore is needed. A job
run by a scheduler has no user watching it, so it needs one of two things: a **heartbeat** (the job pings a
URL when it finishes; silence past a deadline raises an alert, which also catches the job that never ran)
or a **failure notification** (someone is told when it fails). This family finds scheduled jobs with
neither, and each finding proposes the trustops heartbeat to add: its ``trustops.yaml`` entry (a check of
type ``heartbeat`` with the job's own schedule and time zone, and a grace) and the changed job that pings
``$TRUSTOPS_URL/ping/<uuid>`` when it succeeds and ``…/ping/<uuid>/fail`` when it fails.

Rules, one per kind of scheduler (each medium; **high** when the job's name or command suggests
backups, billing or payments, purges or retention, or certificate renewal: ``backup``, ``pg_dump``,
``mysqldump``, ``restic``, ``borg``, ``snapshot``, ``billing``, ``invoice``, ``payment``, ``payout``,
``charge``, ``dunning``, ``purge``, ``retention``, ``gdpr``, ``anonymi[sz]e``, ``erase``, ``certbot``,
``acme``, ``letsencrypt``, ``renew``, ``cert``; these are the jobs whose silent failure loses data, money
or the site itself, or breaks a retention promise made to customers):

``silent/cron-job-unmonitored``
    A crontab entry (files named ``crontab``, ``*.cron``, ``*.crontab``, files in a ``cron.d`` or
    ``crontabs`` folder; system crontabs with a user field are recognised) whose command pings no
    heartbeat and whose failure mails nobody. Failure mail counts only when all of these hold:
    ``MAILTO`` is set, *above the entry* (cron applies an assignment to the entries after it), to an
    address with a domain (cron's default, or a local name such as ``root``, lands in a mailbox on the
    host that in containers and on most servers nobody reads); and the command's error output is not
    discarded or redirected (``> /dev/null 2>&1``, ``&>> job.log``, ``2>&1 | logger``; ``2>&1 | tee -a
    job.log`` still prints, so it still mails): cron mails only what a job prints, it does not look at
    the exit status. ``MAILTO=""`` turns mail off. A
    command with ``|| mail …``, ``|| curl …`` or a similar fallback notifies on failure. ``@reboot``
    entries are not schedules and are skipped.
``silent/systemd-timer-unmonitored``
    A ``*.timer`` whose service (``Unit=``, else the timer's name with ``.service``; drop-ins in
    ``<service>.d/`` are read) has no ``OnFailure=`` and no ``Exec…=`` line that pings a heartbeat.
    A timer whose service is not among the audited files is a warning, not a finding.
``silent/k8s-cronjob-unmonitored``
    A Kubernetes ``CronJob`` (also in multi-document files and Helm templates that parse once their
    ``{{ … }}`` are blanked) whose containers (sidecars and init containers included) neither ping a
    heartbeat in their ``command``/``args`` nor carry a heartbeat URL in their environment, and whose
    metadata has no annotation or label of a monitoring operator (a key containing ``cronitor``,
    ``healthchecks``, ``heartbeat`` or ``alert``). ``failedJobsHistoryLimit`` alone does not count: it
    keeps failed Jobs for inspection and tells nobody. A ``PrometheusRule`` among the audited files that
    alerts on failed Jobs (``kube_job_status_failed``, ``kube_job_failed``, ``KubeJobFailed``) or on a
    CronJob's last success (``kube_cronjob_status_last_successful_time``) counts for the CronJobs of
    the namespaces its expression names (``namespace="shop"``), or for all when it names none (a
    CronJob whose manifest names no namespace is covered only by a rule that names none).
``silent/celery-beat-unmonitored``
    A Celery beat entry (``app.conf.beat_schedule = {…}``, ``beat_schedule=`` in ``conf.update``,
    ``CELERYBEAT_SCHEDULE``/``CELERY_BEAT_SCHEDULE``, ``sender.add_periodic_task(…)``) whose task has
    no ``on_failure`` handler (in its decorator or its ``base`` class), does not ping a heartbeat and is
    not a Sentry cron monitor (``@monitor``), in a project without a global failure hook: Sentry's
    ``CeleryIntegration``, a ``task_failure`` signal handler, or an app ``task_cls`` with ``on_failure``.
``silent/ci-schedule-unmonitored``
    A GitHub Actions workflow run ``on: schedule`` without a step or job that runs ``if: failure()``
    and notifies (Slack, mail, an issue, a webhook, ``curl``…; uploading artifacts on failure tells
    nobody) and without a heartbeat ping, or a GitLab CI job that runs for schedule pipelines (``rules: - if:
    $CI_PIPELINE_SOURCE == "schedule"`` or ``only: [schedules]``) without a ping in its scripts and
    without a ``when: on_failure`` job. The platforms' own e-mail goes to the one person who last
    edited the schedule, and GitHub disables scheduled workflows in inactive repositories without a
    failure at all: only a heartbeat notices a schedule that stopped.

Everywhere, a command or script counts as pinging a heartbeat when it names a known heartbeat service or
tool (``hc-ping.com``, ``healthchecks``, a ``/ping/…`` URL, ``runitor``, ``cronitor``, ``sentry-cli
monitors run``, Dead Man's Snitch, Cronhub, Better Stack, Uptime Kuma's ``/api/push/``, a
``$…HEARTBEAT…``/``$HC_…URL`` variable) or ends with ``&& curl …``/``; curl …`` (a request after the
job, not a download the job needs). trustops' ``/api/v1/heartbeats`` API creates and pauses heartbeats;
it does not ping one, so calling it does not count.

Sources: trustops issue #8 §3; trustops docs/health.md "Heartbeats" (the Healthchecks ping API);
crontab(5) (MAILTO, output mailed); systemd.unit(5) (OnFailure=); Kubernetes CronJob documentation;
Celery "Periodic Tasks" and task ``on_failure``; GitHub Actions "Events that trigger workflows: schedule";
GitLab "Scheduled pipelines".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

import yaml
from cronsim import CronSim, CronSimError

from trustops.audit.findings import AuditWarning, Finding, Location, Severity, quote
from trustops.audit.scanner import Context, Family
from trustops.audit.sources import FileSource

CRON = "silent/cron-job-unmonitored"
SYSTEMD = "silent/systemd-timer-unmonitored"
K8S = "silent/k8s-cronjob-unmonitored"
CELERY = "silent/celery-beat-unmonitored"
CI = "silent/ci-schedule-unmonitored"

SOURCES = {
    CRON: ("trustops issue #8 §3", "docs/health.md#heartbeats", "crontab(5): MAILTO"),
    SYSTEMD: ("trustops issue #8 §3", "docs/health.md#heartbeats", "systemd.unit(5): OnFailure="),
    K8S: ("trustops issue #8 §3", "docs/health.md#heartbeats", "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/"),
    CELERY: ("trustops issue #8 §3", "docs/health.md#heartbeats", "https://docs.celeryq.dev/en/stable/userguide/periodic-tasks.html"),
    CI: ("trustops issue #8 §3", "docs/health.md#heartbeats", "https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#schedule", "https://docs.gitlab.com/ci/pipelines/schedules/"),
}  # fmt: skip

CRITICAL = re.compile(
    r"backup|pg_?dump|mysqldump|mongodump|restic|borg|duplicity|snapshot|billing|invoice|payment|payout|"
    r"charge|dunning|purge|retention|gdpr|anonymi[sz]e|erase|certbot|acme|letsencrypt|renew|cert",
    re.IGNORECASE,
)
PING = re.compile(
    r"hc-ping\.com|healthchecks|/ping/|\brunitor\b|cronitor|sentry-cli\s+monitors\s+run|nosnch\.in|"
    r"deadmanssnitch|cronhub\.io|betterstack\.com/api/v1/heartbeat|heartbeat\.uptimerobot\.com|/api/push/|"
    r"ping\.checklyhq\.com|\$\{?\w*(?:HEARTBEAT|HC_PING|HC_URL|HEALTHCHECK)\w*",
    re.IGNORECASE,
)
ENV_NAME = re.compile(r"heartbeat|hc_ping|healthcheck|cronitor|ping_url", re.IGNORECASE)
FALLBACK_NOTICE = re.compile(r"\|\|\s*[^|;&]*\b(mail|mailx|sendmail|curl|wget|notify|alert|slack|apprise)\b")
CURL_AT_END = re.compile(r"(?:&&|;)\s*(?:curl|wget)\s(?![^;&|]*\s-(?:O|o\s+(?!/dev/null)))[^;&|]*$")
SECRETS = re.compile(r"((?:password|passwd|pwd|token|secret|api_?key|key)\s*[=:]\s*)(\S+)", re.IGNORECASE)
URL_CREDENTIALS = re.compile(r"(://[^/\s:@]+:)[^@/\s]+@")
EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
NICKNAMES = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}  # fmt: skip
CURL = "curl -fsS -m 10 --retry 5 -o /dev/null"
EPOCH = datetime(2024, 1, 1)


@dataclass
class Schedule:
    """When a job runs, as a trustops heartbeat can expect it: a cron expression or a period."""

    cron: str | None = None
    tz: str = "UTC"
    period: int | None = None
    note: str = ""  # why the schedule is a guess, if it is

    def interval(self) -> int:
        if self.period is not None:
            return self.period
        try:
            runs = CronSim(self.cron or "0 0 * * *", EPOCH)
            times = [next(runs) for _ in range(4)]
        except (CronSimError, StopIteration):
            return 86_400
        return int(min((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)))

    def grace(self) -> int:
        """About half the interval, from 5 minutes to an hour (raise it above the job's longest run)."""
        return max(300, min(3600, self.interval() // 2))


@dataclass
class Job:
    """A scheduled job found in a file, with why it is unmonitored (``None``: it is monitored)."""

    rule: str
    name: str
    file: FileSource
    line: int
    evidence: str
    schedule: Schedule
    text: str  # what the severity is judged on: name and command
    gap: str | None
    change: str = ""  # how to make the job ping
    extra: list[str] = field(default_factory=list)


# --- shared helpers -------------------------------------------------------------------------------


def pings(text: str) -> bool:
    """Whether a command or script pings a heartbeat (or ends with a request after the job)."""
    return bool(PING.search(text) or CURL_AT_END.search(text.strip()))


def valid_cron(expression: str) -> bool:
    if len(expression.split()) != 5:
        return False
    try:
        CronSim(expression, EPOCH)
    except CronSimError:
        return False
    return True


def mask(text: str) -> str:
    """The evidence as quoted: secrets in commands masked first (``PGPASSWORD=***``), then as every family
    quotes (:func:`trustops.audit.findings.quote`)."""
    return quote(redact(text))


def redact(text: str) -> str:
    """Secrets, credentials in URLs and e-mail addresses masked (the fix quotes commands too)."""
    text = SECRETS.sub(lambda m: m.group(1) + "***", text)
    text = URL_CREDENTIALS.sub(r"\1***@", text)
    return EMAIL.sub(r"\1***@\2", text)


def slug(text: str) -> str:
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value[:60].strip("-") or "scheduled-job"


def ping_command(base: str = "$TRUSTOPS_URL", quote: str = "") -> tuple[str, str]:
    """The success and failure pings of the Healthchecks-style API (docs/health.md, "Ping URLs")."""
    return f"{CURL} {quote}{base}/ping/<uuid>{quote}", f"{CURL} {quote}{base}/ping/<uuid>/fail{quote}"


def heartbeat_entry(job: Job) -> str:
    schedule = job.schedule
    when = f'cron: "{schedule.cron}", tz: {schedule.tz}' if schedule.cron else f"period: {schedule.period or 86_400}"
    note = f" ({schedule.note})" if schedule.note else ""
    return f"{{type: heartbeat, name: {job.name}, {when}, grace: {schedule.grace()}}}{note}"


def to_finding(job: Job) -> Finding:
    assert job.gap is not None
    severity = Severity.HIGH if CRITICAL.search(job.text) else Severity.MEDIUM
    what = {CRON: "Cron job", SYSTEMD: "systemd timer", K8S: "Kubernetes CronJob", CELERY: "Celery beat task",
            CI: "Scheduled CI job"}[job.rule]  # fmt: skip
    message = f"{what} '{job.name}' has no heartbeat and no failure notification: {job.gap}."
    fix = (
        f"Add a trustops heartbeat to the job's component in trustops.yaml, under checks: {heartbeat_entry(job)}; "
        f"then {redact(job.change)} (<uuid> is the ping UUID from `trustops heartbeat list`; TRUSTOPS_URL is the "
        "address the job reaches trustops at)."
    )
    location = Location(path=job.file.display, line=job.line)
    return Finding(job.rule, severity, message, location, mask(job.evidence), fix, SOURCES[job.rule])


# --- crontab -----------------------------------------------------------------------------------------

ENV_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
CRON_FIELD = re.compile(r"^[0-9A-Za-z*?/,#\-]+$")
SYSTEM_USERS = {"root", "www-data"}  # a user field even outside cron.d: never a command name
WRAPPERS = {"nice", "ionice", "flock", "timeout", "env", "sudo", "chronic", "cronic", "exec", "nohup", "time"}
INTERPRETERS = {"python", "python3", "php", "node", "ruby", "perl", "bash", "sh", "bundle", "npm", "yarn", "uv"}
RUNNERS = {"manage.py", "artisan", "bin/console", "console", "rake", "exec", "run", "rails", "runner", "-m"}


def is_crontab(file: FileSource) -> bool:
    parts = PurePosixPath(file.display).parts
    return (
        (file.name in ("crontab", "root", "anacrontab") and ("crontabs" in parts or file.name == "crontab"))
        or file.name.endswith((".cron", ".crontab"))
        or any(p in ("cron.d", "crontabs") for p in parts[:-1])
    )


def scan_crontab(file: FileSource, warn: Any) -> Iterator[Job]:
    """Each entry of a crontab, with the environment (MAILTO, CRON_TZ) in force where it stands."""
    env: dict[str, str] = {}
    system = "cron.d" in PurePosixPath(file.display).parts or file.display.endswith("etc/crontab")
    bad: list[int] = []
    for number, raw in enumerate(file.lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assignment = ENV_LINE.match(line)
        if assignment and not line.startswith("@"):
            env[assignment.group(1)] = assignment.group(2).strip().strip("'\"")
            continue
        entry = split_entry(line, system)
        if entry is None:
            bad.append(number)
            continue
        expression, user, command = entry
        if expression == "@reboot":
            continue
        yield cron_job(file, number, raw, f"{expression} {user}".strip(), command, env)
    if bad:
        lines = ", ".join(map(str, bad[:5]))
        warn(AuditWarning(file.display, f"line {lines}: not a crontab entry or assignment; skipped"))


def split_entry(line: str, system: bool) -> tuple[str, str, str] | None:
    """The schedule, the user (system crontabs) and the command of an entry (``None``: not an entry)."""
    parts = line.split()
    if parts[0].startswith("@"):
        expression, rest = parts[0].lower(), parts[1:]
        if expression not in NICKNAMES and expression != "@reboot":
            return None
    else:
        if len(parts) < 6 or not all(CRON_FIELD.match(p) for p in parts[:5]) or not valid_cron(" ".join(parts[:5])):
            return None
        expression, rest = " ".join(parts[:5]), parts[5:]
    user = ""
    if len(rest) > 1 and (system or rest[0] in SYSTEM_USERS):
        user, rest = rest[0], rest[1:]
    if not rest:
        return None
    return expression, user, " ".join(rest)


def cron_job(file: FileSource, number: int, raw: str, when: str, command: str, env: dict[str, str]) -> Job:
    """``when`` is the schedule as written, with a system crontab's user."""
    command = re.split(r"(?<!\\)%", command, maxsplit=1)[0]  # after an unescaped %: the job's stdin
    expression = when.split()[0] if when.startswith("@") else " ".join(when.split()[:5])
    cron = NICKNAMES.get(expression, expression)
    tz = env.get("CRON_TZ") or env.get("TZ") or "UTC"
    note = "" if ("CRON_TZ" in env or "TZ" in env) else "tz: the host's time zone if it is not UTC"
    ok, fail = ping_command()
    body = f"( {command} )" if re.search(r";|\|\|", command) else command
    job = Job(CRON, job_name(command), file, number, raw.strip(), Schedule(cron, tz, note=note), command,
              cron_gap(command, env),
              f"change the entry to: {when} {body} && {ok} || {fail}")  # fmt: skip
    return job


def cron_gap(command: str, env: dict[str, str]) -> str | None:
    if pings(command) or FALLBACK_NOTICE.search(command):
        return None
    mailto = env.get("MAILTO")
    if mailto is None:
        return "MAILTO is not set, so cron mails its output to a local mailbox on the host"
    if not mailto:
        return 'MAILTO="" turns failure mail off'
    addresses = [a.strip() for a in mailto.split(",") if a.strip()]
    real = [a for a in addresses if "@" in a and not re.match(r"(no-?reply|nobody|devnull|null)@", a, re.I)]
    if not real:
        return f"MAILTO sends its output to the local mailbox '{mask(mailto)}' on the host"
    if output_discarded(command):
        return "its output is redirected, so cron has nothing to mail when it fails"
    return None


def output_discarded(command: str) -> bool:
    """Whether the error output never reaches cron (which mails only what a job prints)."""
    if re.search(r"&>|\|&|(?<![0-9&])2>\s*(?!&)\S", command):
        return True
    joined = re.search(r"2>&1", command)
    if joined is None:
        return False
    before, after = command[: joined.start()], command[joined.end() :]
    piped = re.match(r"\s*\|(?!\|)\s*(\S+)", after)
    teed = piped is not None and piped.group(1).endswith("tee") and ">" not in after  # tee still prints
    return bool(re.search(r"(?<![0-9&])>", before) or (piped is not None and not teed))


def job_name(command: str) -> str:
    """A heartbeat name from the command: the script, or the subcommand of manage.py, artisan, rake…"""
    segments = [s for s in re.split(r"&&|;", command) if s.strip()] or [command]
    useful = [s for s in segments if not re.match(r"\s*(curl|wget|test|\[|cd|sleep|perl -e)\b", s)]
    segment = (useful or segments)[-1]
    segment = re.split(r"[|<>]|\d>", segment)[0]
    tokens = [t for t in re.split(r"\s+", segment.strip()) if t]
    while tokens and (tokens[0] in WRAPPERS or "=" in tokens[0] or tokens[0].startswith("-") or tokens[0].isdigit()):
        tokens.pop(0)
    if not tokens:
        return "cron-job"
    name = PurePosixPath(tokens[0].strip("'\"")).name
    if name.rstrip("0123456789.") in INTERPRETERS or name in RUNNERS:
        rest = [t for t in tokens[1:] if not t.startswith("-") or t == "-m"]
        while rest and (PurePosixPath(rest[0]).name in RUNNERS or rest[0] in ("exec", "-m")):
            rest.pop(0)
        if rest:
            name = PurePosixPath(rest[0].strip("'\"")).name
    return slug(re.sub(r"\.(sh|py|php|rb|pl|js)$", "", name))


# --- systemd -----------------------------------------------------------------------------------------


def parse_unit(text: str) -> dict[str, list[tuple[str, int]]]:
    """An ini-style unit: each key with its values and lines (keys repeat in units)."""
    keys: dict[str, list[tuple[str, int]]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        keys.setdefault(key.strip(), []).append((value.strip(), number))
    return keys


def scan_timers(files: list[FileSource], warn: Any) -> Iterator[Job]:
    by_name: dict[str, list[FileSource]] = {}
    for file in files:
        by_name.setdefault(file.name, []).append(file)
    for timer in (f for f in files if f.suffix == ".timer" and f.text is not None):
        keys = parse_unit(timer.text or "")
        stem = timer.name[: -len(".timer")]
        service = (keys.get("Unit") or [(f"{stem}.service", 0)])[0][0]
        units = by_name.get(service, [])
        if not units:
            warn(AuditWarning(timer.display, f"its service {service} is not among the audited files; not judged"))
            continue
        yield timer_job(timer, keys, stem, units[0], drop_ins(files, service))


def drop_ins(files: list[FileSource], service: str) -> list[FileSource]:
    return [f for f in files if PurePosixPath(f.display).parent.name == f"{service}.d" and f.suffix == ".conf"]


def timer_job(timer: FileSource, keys: dict[str, list[tuple[str, int]]], stem: str, service: FileSource,
              extras: list[FileSource]) -> Job:  # fmt: skip
    unit: dict[str, list[tuple[str, int]]] = {}
    for source in (service, *extras):
        for key, values in parse_unit(source.text or "").items():
            unit.setdefault(key, []).extend(values)
    execs = " ".join(v for k, vs in unit.items() if k.startswith("Exec") for v, _ in vs)
    gap = None if unit.get("OnFailure") or pings(execs) else f"{service.name} has no OnFailure= and pings nothing"
    calendar = keys.get("OnCalendar") or keys.get("OnUnitActiveSec") or keys.get("OnBootSec") or [("", 1)]
    value, line = calendar[0]
    schedule = calendar_schedule(value) if "OnCalendar" in keys else Schedule(period=seconds(value))
    ok = f'if [ "$$SERVICE_RESULT" = success ]; then s=; else s=/fail; fi; {CURL} "$$TRUSTOPS_URL/ping/<uuid>$$s"'
    change = f"add to [Service] of {service.name}: ExecStopPost=/bin/sh -c '{ok}' (and Environment=TRUSTOPS_URL=…)"
    text = f"{stem} {execs}"
    return Job(SYSTEMD, slug(stem), timer, line, f"{timer.lines[line - 1].strip()}" if timer.lines else stem,
               schedule, text, gap, change)  # fmt: skip


WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}
CALENDAR_SHORTHANDS = {
    "minutely": "* * * * *", "hourly": "0 * * * *", "daily": "0 0 * * *", "weekly": "0 0 * * 1",
    "monthly": "0 0 1 * *", "yearly": "0 0 1 1 *", "annually": "0 0 1 1 *",
}  # fmt: skip


def calendar_schedule(value: str) -> Schedule:
    """A systemd ``OnCalendar=`` as cron: the shorthands and ``[weekdays] [*-*-day] hh:mm[:ss] [zone]``."""
    parts = value.split()
    tz = "UTC"
    note = "tz: the host's time zone if it is not UTC"
    if parts and "/" in parts[-1] and not re.search(r"[:*]", parts[-1]):
        tz, note, parts = parts[-1], "", parts[:-1]
    if len(parts) == 1 and parts[0].lower() in CALENDAR_SHORTHANDS:
        return Schedule(CALENDAR_SHORTHANDS[parts[0].lower()], tz, note=note)
    days, dom = "*", "*"
    if parts and re.match(r"^[A-Za-z]", parts[0]):
        days = weekdays(parts.pop(0))
    if parts and "-" in parts[0]:
        date = parts.pop(0).split("-")
        dom = date[-1] if len(date) == 3 and date[-1] != "*" else "*"
    clock = parts[0].split(":") if parts else []
    if days and len(clock) >= 2:
        hour, minute = (c.lstrip("0") or "0" if c != "*" else "*" for c in clock[:2])
        minute = minute.replace("0/", "*/") if minute.startswith("0/") else minute
        cron = f"{minute} {hour} {dom.lstrip('0') or '*'} * {days}"
        if valid_cron(cron):
            return Schedule(cron, tz, note=note)
    return Schedule(period=86_400, note=f"set cron to match OnCalendar={value}")


def weekdays(text: str) -> str:
    out = []
    for part in text.lower().split(","):
        ends = [WEEKDAYS.get(p[:3]) for p in part.split("..")]
        if any(e is None for e in ends):
            return ""
        out.append("-".join(str(e) for e in ends))
    return ",".join(out)


def seconds(value: str) -> int:
    units = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86_400, "day": 86_400, "w": 604_800}
    total = sum(int(n) * units.get(u or "s", 1) for n, u in re.findall(r"(\d+)\s*([a-z]*)", value.lower()))
    return max(60, total or 86_400)


# --- YAML with lines ---------------------------------------------------------------------------------


class Map(dict[Any, Any]):
    """A YAML mapping that remembers the line of each key."""

    line: int = 0
    lines: dict[str, int] = {}  # noqa: RUF012 - replaced, never mutated


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Map:
    result = Map(loader.construct_mapping(node, deep=True))
    result.line = node.start_mark.line + 1
    result.lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
TEMPLATE_LINE = re.compile(r"^\s*\{\{-?[^}]*-?\}\}\s*$")
TEMPLATE = re.compile(r"\{\{-?.*?-?\}\}")


def load_yaml(file: FileSource, warn: Any, helm: bool = False) -> list[Any] | None:
    text = file.text or ""
    if helm and "{{" in text:
        text = "\n".join(
            "" if TEMPLATE_LINE.match(line) else TEMPLATE.sub("release", line) for line in text.split("\n")
        )
    try:
        return [doc for doc in yaml.load_all(text, Loader=_Loader) if doc is not None]  # noqa: S506 - SafeLoader
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        warn(AuditWarning(file.display, f"not readable as YAML ({reason}); its schedules were not judged"))
        return None


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def strings(value: Any) -> str:
    return " ".join(str(v) for v in walk(value) if isinstance(v, str | int | float) and not isinstance(v, bool))


def dig(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


# --- Kubernetes --------------------------------------------------------------------------------------

JOB_ALERTS = re.compile(
    r"kube_job_status_failed|kube_job_failed|KubeJobFailed|kube_cronjob_status_last_successful_time"
)


def cluster_alerts(files: list[FileSource]) -> set[str] | None:
    """The namespaces whose failed Jobs a Prometheus rule among the files alerts on (``"*"``: all of them;
    ``None``: no such rule)."""
    covered: set[str] = set()
    for file in files:
        text = file.text or ""
        if file.suffix not in (".yaml", ".yml") or "alert:" not in text:
            continue
        for line in text.splitlines():
            if JOB_ALERTS.search(line) and not re.match(r"\s*-?\s*alert:", line):  # the expression, not the name
                namespaces = re.findall(r"namespace\s*=\s*['\"]([^'\"]+)['\"]", line)
                covered.update(namespaces or ["*"])
    return covered or None


def scan_cronjobs(file: FileSource, warn: Any, alerted: set[str] | None) -> Iterator[Job]:
    docs = load_yaml(file, warn, helm=True)
    for doc in docs or []:
        for item in walk(doc):
            if isinstance(item, Map) and item.get("kind") == "CronJob" and isinstance(item.get("spec"), dict):
                yield cronjob(file, item, alerted)


def cronjob(file: FileSource, doc: Map, alerted: set[str] | None) -> Job:
    spec = doc["spec"]
    name = str(dig(doc, "metadata", "name") or file.path.stem)
    pod = dig(spec, "jobTemplate", "spec", "template", "spec") or {}
    containers = [c for key in ("containers", "initContainers") for c in (pod.get(key) or []) if isinstance(c, dict)]
    commands = " ".join(strings([c.get("command"), c.get("args")]) for c in containers)
    env_ping = any(
        isinstance(e, dict) and (ENV_NAME.search(str(e.get("name", ""))) or PING.search(str(e.get("value", ""))))
        for c in containers
        for e in (c.get("env") or [])
    )
    meta = {**(dig(doc, "metadata", "annotations") or {}), **(dig(doc, "metadata", "labels") or {})}
    annotated = any(re.search(r"cronitor|healthchecks|heartbeat|alert", str(k), re.I) for k in meta)
    namespace = dig(doc, "metadata", "namespace")
    alert = alerted is not None and ("*" in alerted or str(namespace) in alerted)
    monitored = alert or env_ping or annotated or pings(commands)
    raw = str(spec.get("schedule") or "")
    line = spec.lines.get("schedule", doc.line) if isinstance(spec, Map) else doc.line
    written = file.lines[line - 1].split("schedule:", 1)[-1].strip() if 0 < line <= len(file.lines) else raw
    schedule = k8s_schedule(raw, str(spec.get("timeZone") or ""), written)
    gap = None if monitored else "no container pings a heartbeat and nothing alerts on its failed Jobs"
    ok, fail = ping_command()
    change = f'run its command as ["/bin/sh", "-c", "<command> && {ok} || {fail}"] (curl in the image)'
    evidence = file.lines[line - 1].strip() if 0 < line <= len(file.lines) else f"schedule: {raw}"
    return Job(K8S, slug(name), file, line, f"{name}: {evidence}", schedule, f"{name} {commands}", gap, change)


def k8s_schedule(raw: str, zone: str, written: str) -> Schedule:
    tz = zone or "UTC"
    match = re.match(r"^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$", raw.strip())
    if match:
        tz, raw = match.group(1), match.group(2)
    cron = NICKNAMES.get(raw.strip().lower(), raw.strip())
    if valid_cron(cron):
        return Schedule(cron, tz)
    return Schedule(period=86_400, note=f"set cron to match the schedule {written}")


# --- CI schedules ------------------------------------------------------------------------------------


def is_workflow(file: FileSource) -> bool:
    return file.suffix in (".yml", ".yaml") and ".github/workflows/" in f"/{file.display}"


def scan_workflow(file: FileSource, warn: Any) -> Iterator[Job]:
    docs = load_yaml(file, warn)
    for doc in docs or []:
        if not isinstance(doc, Map):
            continue
        triggers = doc.get("on", doc.get(True))
        schedule = triggers.get("schedule") if isinstance(triggers, dict) else None
        if not isinstance(schedule, list) or not schedule:
            continue
        first = schedule[0] if isinstance(schedule[0], Map) else Map()
        cron = str(first.get("cron") or "")
        jobs = doc.get("jobs")
        jobs = jobs if isinstance(jobs, dict) else {}
        watchers = [strings(v) for v in walk(jobs) if isinstance(v, dict) and "failure()" in str(v.get("if", ""))]
        runs = strings(
            [dig(step, "run") for v in jobs.values() if isinstance(v, dict) for step in v.get("steps") or []]
        )
        notified = any(NOTIFIES.search(w) for w in watchers) or pings(runs)
        name = str(doc.get("name") or file.path.stem)
        line = first.line or doc.line
        ok, fail = ping_command("${{ secrets.TRUSTOPS_URL }}", '"')
        change = f"end the job with a step `run: {ok}` and add a step with `if: failure()` and `run: {fail}`"
        sched = Schedule(cron) if valid_cron(cron) else Schedule(period=86_400, note=f"set cron to {cron!r}")
        if len(schedule) > 1:
            sched.note = "the workflow has more than one cron; one heartbeat per cron, or a period covering them"
        evidence = file.lines[line - 1].strip() if 0 < line <= len(file.lines) else f"cron: {cron}"
        gap = None if notified else "no step runs if: failure() and none pings a heartbeat"
        yield Job(CI, slug(name), file, line, f"{name}: {evidence}", sched, f"{name} {file.name} {runs}", gap, change)


NOTIFIES = re.compile(
    r"slack|mail|notify|teams|discord|telegram|pagerduty|opsgenie|issue|curl|wget|webhook|alert|apprise|sentry",
    re.IGNORECASE,
)  # what a step run if: failure() does when it tells someone (an artifact upload tells nobody)
GITLAB_KEYWORDS = {"workflow", "include", "stages", "variables", "default", "image", "services", "cache",
                   "before_script", "after_script", "pages"}  # fmt: skip  # top-level keys that are not jobs
SCHEDULE_RULE = re.compile(r"CI_PIPELINE_SOURCE\s*==\s*['\"]schedule['\"]")


def is_gitlab(file: FileSource) -> bool:
    return file.suffix in (".yml", ".yaml") and (
        file.name == ".gitlab-ci.yml" or "/.gitlab/" in f"/{file.display}" or "CI_PIPELINE_SOURCE" in (file.text or "")
    )


def scan_gitlab(file: FileSource, warn: Any) -> Iterator[Job]:
    docs = load_yaml(file, warn)
    for doc in docs or []:
        if not isinstance(doc, Map):
            continue
        jobs = {
            k: v
            for k, v in doc.items()
            if isinstance(v, dict) and isinstance(k, str) and not k.startswith(".") and k not in GITLAB_KEYWORDS
        }
        watcher = any(str(v.get("when")) == "on_failure" and not excludes_schedules(v) for v in jobs.values())
        for key, job in jobs.items():
            if not scheduled(job) or str(job.get("when")) == "on_failure":
                continue
            scripts = strings([job.get("before_script"), job.get("script"), job.get("after_script")])
            gap = None if watcher or pings(scripts) else "no script pings a heartbeat and no when: on_failure job"
            ok, fail = ping_command()
            change = f"""add after_script: ['if [ "$CI_JOB_STATUS" = success ]; then {ok}; else {fail}; fi']"""
            sched = Schedule(period=86_400, note="set cron and tz to the pipeline schedule's (CI/CD > Schedules)")
            line = doc.lines.get(key, doc.line)
            yield Job(CI, slug(key), file, line, f"{key}: (runs in schedule pipelines)", sched, f"{key} {scripts}",
                      gap, change)  # fmt: skip


def scheduled(job: dict[Any, Any]) -> bool:
    rules = job.get("rules")
    if isinstance(rules, list) and any(
        isinstance(r, dict) and SCHEDULE_RULE.search(str(r.get("if", ""))) and r.get("when") != "never" for r in rules
    ):
        return True
    only = job.get("only")
    refs = only.get("refs") if isinstance(only, dict) else only
    return isinstance(refs, list) and "schedules" in refs


def excludes_schedules(job: dict[Any, Any]) -> bool:
    rules = job.get("rules")
    return isinstance(rules, list) and any(
        isinstance(r, dict) and SCHEDULE_RULE.search(str(r.get("if", ""))) and r.get("when") == "never" for r in rules
    )


# --- Celery beat -------------------------------------------------------------------------------------

BEAT_NAMES = ("beat_schedule", "CELERYBEAT_SCHEDULE", "CELERY_BEAT_SCHEDULE")


@dataclass
class Tasks:
    """What the audited Python says about Celery tasks: which are monitored, and global failure hooks."""

    monitored: dict[str, bool] = field(default_factory=dict)  # task or function name -> monitored
    handler_classes: set[str] = field(default_factory=set)  # classes defining on_failure
    global_hook: bool = False
    tz: str = "UTC"


def python_trees(files: list[FileSource], warn: Any) -> list[tuple[FileSource, ast.Module]]:
    trees = []
    for file in files:
        if (
            file.suffix != ".py"
            or not file.text
            or not re.search(r"celery|beat_schedule|periodic|task", file.text, re.I)
        ):
            continue
        try:
            trees.append((file, ast.parse(file.text)))
        except (SyntaxError, ValueError) as exc:
            warn(AuditWarning(file.display, f"not valid Python ({str(exc)[:120]}); its tasks were not judged"))
    return trees


def read_tasks(trees: list[tuple[FileSource, ast.Module]]) -> Tasks:
    tasks = Tasks()
    for _file, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.FunctionDef) and b.name == "on_failure" for b in node.body
            ):
                tasks.handler_classes.add(node.name)
    for _file, tree in trees:
        source = ast.unparse(tree)
        if "CeleryIntegration" in source or re.search(r"task_failure\.connect", source):
            tasks.global_hook = True
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "task_cls":
                tasks.global_hook |= ast.unparse(node.value).split(".")[-1].strip("'\"") in tasks.handler_classes
            if isinstance(node, ast.keyword) and node.arg in ("timezone", "CELERY_TIMEZONE"):
                tasks.tz = literal(node.value) or tasks.tz
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                names = [ast.unparse(t).split(".")[-1] for t in node.targets]
                if "timezone" in names or "CELERY_TIMEZONE" in names:
                    tasks.tz = node.value.value
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                read_task(node, tasks)
    return tasks


def read_task(node: ast.FunctionDef | ast.AsyncFunctionDef, tasks: Tasks) -> None:
    decorators = [ast.unparse(d) for d in node.decorator_list]
    if not any(re.search(r"\btask\b|shared_task|periodic_task", d) for d in decorators):
        return
    handler = False
    for decorator in node.decorator_list:
        for keyword in decorator.keywords if isinstance(decorator, ast.Call) else []:
            base = ast.unparse(keyword.value).split(".")[-1]
            handler |= keyword.arg == "on_failure" or (keyword.arg == "base" and base in tasks.handler_classes)
            if keyword.arg == "name" and (explicit := literal(keyword.value)):
                tasks.monitored[explicit] = tasks.monitored.get(explicit, False)
    body = ast.unparse(node)
    monitored = handler or any("monitor" in d for d in decorators) or pings(body)
    names = [node.name] + [literal(k.value) or "" for d in node.decorator_list if isinstance(d, ast.Call)
                           for k in d.keywords if k.arg == "name"]  # fmt: skip
    for name in filter(None, names):
        tasks.monitored[name] = tasks.monitored.get(name, False) or monitored


def literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def scan_celery(file: FileSource, tree: ast.Module, tasks: Tasks) -> Iterator[Job]:
    for node in ast.walk(tree):
        schedule_dict = None
        if isinstance(node, ast.Assign) and any(ast.unparse(t).split(".")[-1] in BEAT_NAMES for t in node.targets):
            schedule_dict = node.value
        elif isinstance(node, ast.keyword) and node.arg in BEAT_NAMES:
            schedule_dict = node.value
        if isinstance(schedule_dict, ast.Dict):
            for key, value in zip(schedule_dict.keys, schedule_dict.values, strict=False):
                if key is not None and isinstance(value, ast.Dict):
                    yield beat_entry(file, literal(key) or ast.unparse(key), value, tasks)
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("add_periodic_task") and len(node.args) >= 2:
            yield periodic_task(file, node, tasks)


def beat_entry(file: FileSource, name: str, entry: ast.Dict, tasks: Tasks) -> Job:
    fields = {literal(k): v for k, v in zip(entry.keys, entry.values, strict=False) if k is not None}
    task = literal(fields["task"]) if "task" in fields else None
    schedule = celery_schedule(fields.get("schedule"), tasks.tz)
    job = celery_job(file, name, task or name, entry.lineno, schedule, tasks)
    job.evidence = f"{name}: " + (ast.get_source_segment(file.text or "", entry) or job.evidence)
    return job


def periodic_task(file: FileSource, call: ast.Call, tasks: Tasks) -> Job:
    signature = ast.unparse(call.args[1])
    task = re.split(r"\.(?:s|si|signature)\(", signature)[0]
    named = [literal(k.value) for k in call.keywords if k.arg == "name"]
    return celery_job(file, named[0] if named and named[0] else task, task, call.lineno,
                      celery_schedule(call.args[0], tasks.tz), tasks)  # fmt: skip


def celery_job(file: FileSource, name: str, task: str, line: int, schedule: Schedule, tasks: Tasks) -> Job:
    short = task.split(".")[-1]
    monitored = tasks.global_hook or tasks.monitored.get(task, False) or tasks.monitored.get(short, False)
    gap = None if monitored else f"task {task} has no on_failure handler and pings nothing, and no global failure hook"
    change = (
        f"end task {short} with httpx.get(os.environ['TRUSTOPS_URL'] + '/ping/<uuid>', timeout=10) and give it an "
        "on_failure handler that requests …/ping/<uuid>/fail"
    )
    evidence = file.lines[line - 1].strip() if 0 < line <= len(file.lines) else name
    return Job(CELERY, slug(name), file, line, evidence, schedule, f"{name} {task}", gap, change)


def celery_schedule(node: ast.expr | None, tz: str) -> Schedule:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return Schedule(period=max(60, int(node.value)))
    if isinstance(node, ast.Call):
        func = ast.unparse(node.func).split(".")[-1]
        if func == "crontab":
            return crontab_call(node, tz)
        if func == "timedelta":
            units = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86_400, "weeks": 604_800}
            total = sum(units.get(k.arg or "", 0) * number(k.value) for k in node.keywords)
            total += sum(86_400 * number(a) for a in node.args[:1])
            return Schedule(period=max(60, int(total) or 86_400))
        if func == "schedule" and (node.args or node.keywords):
            return celery_schedule(node.args[0] if node.args else node.keywords[0].value, tz)
    return Schedule(period=86_400, note="set cron to the task's schedule")


def crontab_call(node: ast.Call, tz: str) -> Schedule:
    order = ["minute", "hour", "day_of_week", "day_of_month", "month_of_year"]
    values = dict.fromkeys(order, "*")
    for name, arg in zip(order, node.args, strict=False):
        values[name] = cron_field(arg)
    for keyword in node.keywords:
        if keyword.arg in values:
            values[keyword.arg] = cron_field(keyword.value)
    cron = " ".join(values[k] for k in ("minute", "hour", "day_of_month", "month_of_year", "day_of_week"))
    if valid_cron(cron):
        return Schedule(cron, tz)
    return Schedule(period=86_400, note=f"set cron to match crontab({ast.unparse(node)[8:-1]})")


def cron_field(node: ast.expr) -> str:
    return str(node.value) if isinstance(node, ast.Constant) else ast.unparse(node)


def number(node: ast.expr) -> float:
    return float(node.value) if isinstance(node, ast.Constant) and isinstance(node.value, int | float) else 0.0


# --- the family --------------------------------------------------------------------------------------


def jobs(context: Context) -> Iterator[Job]:
    files = [f for f in context.sources.files if f.text is not None]
    warn = context.warn
    alerted = cluster_alerts(files)
    for file in files:
        if is_crontab(file):
            yield from scan_crontab(file, warn)
        elif is_workflow(file):
            yield from scan_workflow(file, warn)
        elif is_gitlab(file) and re.search(r"CI_PIPELINE_SOURCE|schedules", file.text or ""):
            yield from scan_gitlab(file, warn)
        elif file.suffix in (".yaml", ".yml", ".tpl") and re.search(r"kind:\s*['\"]?CronJob", file.text or ""):
            yield from scan_cronjobs(file, warn, alerted)
    yield from scan_timers(files, warn)
    trees = python_trees(files, warn)
    tasks = read_tasks(trees)
    for file, tree in trees:
        if re.search(r"beat_schedule|CELERYBEAT_SCHEDULE|CELERY_BEAT_SCHEDULE|add_periodic_task", file.text or ""):
            yield from scan_celery(file, tree, tasks)


def scan(context: Context) -> Iterable[Finding]:
    for job in jobs(context):
        if job.gap is not None:
            yield to_finding(job)


FAMILY = Family(
    id="silent",
    title="Silent failures of scheduled jobs",
    doc=(
        "Scheduled jobs (crontabs, systemd timers, Kubernetes CronJobs, Celery beat, GitHub Actions and "
        "GitLab CI schedules) with no heartbeat and no failure notification: when they stop, nobody hears. "
        "Each finding proposes the trustops heartbeat to add (its trustops.yaml entry with the job's "
        "schedule) and the changed command that pings it. High for backups, billing, purges and "
        "certificate renewal. Sources: Healthchecks-style heartbeats (docs/health.md), crontab(5), "
        "systemd.unit(5) OnFailure=, the Kubernetes, Celery, GitHub Actions and GitLab documentation."
    ),
    rules=(CRON, SYSTEMD, K8S, CELERY, CI),
    scan=scan,
)
