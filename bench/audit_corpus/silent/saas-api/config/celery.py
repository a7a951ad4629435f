import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("saas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.timezone = "UTC"

app.conf.beat_schedule = {
    # Renewals are charged at the top of every hour.
    "charge-subscriptions": {
        "task": "billing.tasks.charge_due_subscriptions",
        "schedule": crontab(minute=0),
    },
    "send-dunning-emails": {
        "task": "billing.tasks.send_dunning_emails",
        "schedule": crontab(hour=9, minute=0),
        "options": {"queue": "mail"},
    },
    "purge-deleted-accounts": {
        "task": "accounts.tasks.purge_deleted_accounts",
        "schedule": crontab(hour=3, minute=30),
    },
    "rebuild-search-index": {
        "task": "search.tasks.rebuild_index",
        "schedule": 6 * 60 * 60,
    },
    "refresh-exchange-rates": {
        "task": "billing.tasks.refresh_rates",
        "schedule": 900.0,
    },
}


@app.on_after_finalize.connect
def setup_periodic_tasks(sender, **kwargs):
    from reports.tasks import weekly_usage_report

    sender.add_periodic_task(
        crontab(hour=6, minute=0, day_of_week="mon"),
        weekly_usage_report.s(),
        name="weekly usage report",
    )
