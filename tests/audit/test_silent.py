"""The silent-failures family: scheduled jobs with no heartbeat and no failure notification."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from trustops.audit.findings import Report, Severity
from trustops.audit.scanner import audit
from trustops.catalog.schema import HeartbeatCheck

FIXTURES = Path(__file__).parent / "fixtures" / "silent"
CRON = "silent/cron-job-unmonitored"
SYSTEMD = "silent/systemd-timer-unmonitored"
K8S = "silent/k8s-cronjob-unmonitored"
CELERY = "silent/celery-beat-unmonitored"
CI = "silent/ci-schedule-unmonitored"


def run(folder: str) -> Report:
    return audit([str(FIXTURES / folder)], selected=["silent"])


def found(folder: str) -> set[tuple[str, str, int]]:
    return {(f.rule, f.location.path or "", f.location.line) for f in run(folder).findings}


def by_place(report: Report, path: str, line: int):
    [finding] = [f for f in report.findings if f.location.path == path and f.location.line == line]
    return finding


def proposed_heartbeat(fix: str) -> HeartbeatCheck:
    entry = re.search(r"\{type: heartbeat[^}]*\}", fix)
    assert entry is not None, fix
    return HeartbeatCheck.model_validate(yaml.safe_load(entry.group(0)))


# --- crontab -----------------------------------------------------------------------------------------


def test_it_flags_exactly_the_unmonitored_cron_entries() -> None:
    assert found("cron") == {
        (CRON, "no-mailto.crontab", 2),
        (CRON, "no-mailto.crontab", 3),
        (CRON, "mailto-empty.crontab", 3),
        (CRON, "mailto-real.crontab", 3),
        (CRON, "mailto-real.crontab", 5),
        (CRON, "mailto-order.crontab", 1),
        (CRON, "mailto-order.crontab", 5),
        (CRON, "download-first.crontab", 1),
        (CRON, "download-first.crontab", 2),
        (CRON, "secrets.crontab", 2),
        (CRON, "broken.crontab", 3),
        (CRON, "etc/cron.d/certbot", 3),
    }


def test_a_backup_entry_is_high_and_a_stock_sync_medium() -> None:
    report = run("cron")
    assert by_place(report, "no-mailto.crontab", 2).severity is Severity.HIGH
    assert by_place(report, "no-mailto.crontab", 3).severity is Severity.MEDIUM


def test_an_empty_mailto_is_named_as_turning_failure_mail_off() -> None:
    finding = by_place(run("cron"), "mailto-empty.crontab", 3)
    assert 'MAILTO="" turns failure mail off' in finding.message
    assert finding.severity is Severity.HIGH  # invoices


def test_mailto_applies_only_to_the_entries_below_it_and_a_local_mailbox_does_not_count() -> None:
    report = run("cron")
    assert "MAILTO is not set" in by_place(report, "mailto-order.crontab", 1).message
    assert "local mailbox 'root'" in by_place(report, "mailto-order.crontab", 5).message


def test_discarded_output_leaves_cron_nothing_to_mail_but_stdout_alone_to_dev_null_does() -> None:
    report = run("cron")
    assert "output is redirected" in by_place(report, "mailto-real.crontab", 3).message
    flagged = {f.location.line for f in report.findings if f.location.path == "mailto-real.crontab"}
    assert flagged == {3, 5}  # 4 (> /dev/null), 6 (2>&1 > /dev/null) and 7 (| tee) still mail their errors


def test_a_download_before_the_job_or_into_a_file_is_not_a_heartbeat() -> None:
    report = run("cron")
    assert by_place(report, "download-first.crontab", 1).message.startswith("Cron job 'import-rates'")
    assert by_place(report, "download-first.crontab", 2).message.startswith("Cron job 'fetch-feed'")


def test_the_cron_fix_keeps_the_schedule_and_time_zone_and_pings_success_and_failure() -> None:
    finding = by_place(run("cron"), "secrets.crontab", 2)
    heartbeat = proposed_heartbeat(finding.fix)
    assert (heartbeat.name, heartbeat.cron, heartbeat.tz) == ("pg-dump", "0 3 * * *", "Europe/Berlin")
    assert heartbeat.grace >= 60
    assert "&& curl -fsS -m 10 --retry 5 -o /dev/null $TRUSTOPS_URL/ping/<uuid> ||" in finding.fix
    assert "$TRUSTOPS_URL/ping/<uuid>/fail" in finding.fix


def test_secrets_in_a_cron_command_are_masked_in_evidence_and_fix() -> None:
    finding = by_place(run("cron"), "secrets.crontab", 2)
    assert "hunter2" not in finding.evidence + finding.fix
    assert "PGPASSWORD=***" in finding.evidence


def test_a_system_crontab_keeps_its_user_field_in_the_changed_entry() -> None:
    finding = by_place(run("cron"), "etc/cron.d/certbot", 3)
    assert finding.severity is Severity.HIGH  # certificate renewal
    assert "change the entry to: 0 */12 * * * root test -x" in finding.fix


def test_a_daily_nickname_becomes_a_five_field_cron_for_the_heartbeat(tmp_path: Path) -> None:
    (tmp_path / "app.cron").write_text("@daily /opt/app/purge-old-orders\n")
    [finding] = audit([str(tmp_path)], selected=["silent"]).findings
    assert proposed_heartbeat(finding.fix).cron == "0 0 * * *"
    assert finding.severity is Severity.HIGH


def test_a_malformed_crontab_line_is_a_warning_not_a_crash() -> None:
    warnings = [w for w in run("cron").warnings if w.target == "broken.crontab"]
    assert len(warnings) == 1 and "line 1, 2" in warnings[0].message


# --- systemd -----------------------------------------------------------------------------------------


def test_it_flags_timers_whose_service_has_no_on_failure_and_no_ping() -> None:
    assert found("systemd") == {(SYSTEMD, "backup.timer", 5), (SYSTEMD, "stats.timer", 3)}


def test_a_timer_reads_its_calendar_zone_and_an_active_sec_timer_becomes_a_period() -> None:
    report = run("systemd")
    backup = proposed_heartbeat(by_place(report, "backup.timer", 5).fix)
    assert (backup.cron, backup.tz) == ("30 3 * * *", "Europe/Berlin")
    stats = proposed_heartbeat(by_place(report, "stats.timer", 3).fix)
    assert (stats.period, stats.cron) == (3600, None)
    assert "ExecStopPost=" in by_place(report, "stats.timer", 3).fix


def test_a_timer_without_its_service_is_a_warning() -> None:
    assert [w.target for w in run("systemd").warnings] == ["orphan.timer"]


# --- Kubernetes --------------------------------------------------------------------------------------


def test_it_flags_cronjobs_without_a_ping_annotation_or_alert_rule() -> None:
    assert found("k8s") == {(K8S, "cronjobs.yaml", 13), (K8S, "cronjobs.yaml", 47)}


def test_a_cronjob_keeps_its_time_zone_in_the_proposal() -> None:
    heartbeat = proposed_heartbeat(by_place(run("k8s"), "cronjobs.yaml", 13).fix)
    assert (heartbeat.name, heartbeat.cron, heartbeat.tz) == ("db-backup", "0 2 * * *", "Europe/Paris")


def test_a_broken_manifest_is_a_warning() -> None:
    assert [w.target for w in run("k8s").warnings] == ["broken.yaml"]


def test_a_prometheus_rule_on_failed_jobs_covers_the_cronjobs_of_its_namespace_only() -> None:
    assert found("k8s-alerted") == {(K8S, "cronjob.yaml", 23)}  # namespace reporting; the rule watches shop


def test_a_helm_template_still_parses_and_its_templated_schedule_is_left_to_the_reader() -> None:
    report = run("helm")
    assert found("helm") == {(K8S, "templates/cronjob.yaml", 9)}
    finding = report.findings[0]
    assert finding.severity is Severity.HIGH  # purge
    assert proposed_heartbeat(finding.fix).period == 86_400
    assert ".Values.purge.schedule" in finding.fix


# --- Celery beat -------------------------------------------------------------------------------------


def test_it_flags_beat_entries_whose_tasks_have_no_failure_handler_or_ping() -> None:
    assert found("celery") == {
        (CELERY, "celery_app.py", 8),
        (CELERY, "celery_app.py", 20),
        (CELERY, "celery_app.py", 29),
        (CELERY, "settings.py", 4),
    }


def test_a_celery_crontab_is_read_in_the_apps_time_zone() -> None:
    report = run("celery")
    invoices = by_place(report, "celery_app.py", 8)
    assert invoices.severity is Severity.HIGH
    heartbeat = proposed_heartbeat(invoices.fix)
    assert (heartbeat.cron, heartbeat.tz) == ("0 2 * * *", "Europe/Berlin")
    assert proposed_heartbeat(by_place(report, "celery_app.py", 20).fix).cron == "0 7 * * mon-fri"
    assert proposed_heartbeat(by_place(report, "celery_app.py", 29).fix).period == 300


def test_sentrys_celery_integration_monitors_every_beat_task() -> None:
    report = run("celery-sentry")
    assert report.findings == [] and report.warnings == []


def test_python_that_does_not_parse_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "celeryconfig.py").write_text('beat_schedule = {\n    "x": {"task": "a.b", "schedule": 60\n')
    report = audit([str(tmp_path)], selected=["silent"])
    assert report.findings == []
    assert [w.target for w in report.warnings] == ["celeryconfig.py"]


# --- CI schedules ------------------------------------------------------------------------------------


def test_it_flags_scheduled_workflows_without_a_failure_step_or_ping() -> None:
    assert found("ci") == {
        (CI, ".github/workflows/nightly.yml", 4),
        (CI, ".github/workflows/renew.yaml", 4),
        (CI, ".github/workflows/e2e.yml", 4),  # if: failure() only uploads artifacts: nobody is told
    }


def test_a_workflow_schedule_is_proposed_in_utc() -> None:
    heartbeat = proposed_heartbeat(by_place(run("ci"), ".github/workflows/nightly.yml", 4).fix)
    assert (heartbeat.cron, heartbeat.tz) == ("17 1 * * *", "UTC")


def test_it_flags_gitlab_jobs_of_schedule_pipelines_without_a_ping() -> None:
    assert found("gitlab") == {(CI, ".gitlab-ci.yml", 8), (CI, ".gitlab-ci.yml", 19)}


def test_an_on_failure_job_watches_the_schedule_pipeline() -> None:
    assert found("gitlab-watched") == set()


# --- the whole family --------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["cron", "systemd", "k8s", "helm", "celery", "ci", "gitlab"])
def test_every_finding_has_evidence_a_fix_and_sources(folder: str) -> None:
    for finding in run(folder).findings:
        assert finding.rule.startswith("silent/")
        assert 0 < len(finding.evidence) <= 200
        assert "heartbeat" in finding.fix and "/ping/<uuid>" in finding.fix
        assert finding.sources


def test_a_readme_quoting_a_cron_line_is_not_a_crontab(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("Nightly:\n\n    30 3 * * * /usr/local/bin/db-backup.sh\n")
    (tmp_path / "notes.txt").write_text("0 3 * * * backup\n")
    assert audit([str(tmp_path)], selected=["silent"]).findings == []
