import logging

import httpx
from billing import services
from celery import Task, shared_task

log = logging.getLogger(__name__)


class MonitoredTask(Task):
    """Tells the on-call channel when a billing task fails."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        httpx.post(
            "https://chat.example.com/hooks/billing-alerts",
            json={"text": f"{self.name} failed: {type(exc).__name__}"},
            timeout=10,
        )


@shared_task(base=MonitoredTask, bind=True, max_retries=3)
def charge_due_subscriptions(self):
    for subscription in services.due_subscriptions():
        services.charge(subscription)


@shared_task
def send_dunning_emails():
    for invoice in services.overdue_invoices():
        services.send_dunning_email(invoice)
    log.info("dunning run finished")


@shared_task(autoretry_for=(httpx.HTTPError,), retry_backoff=True)
def refresh_rates():
    services.store_rates(httpx.get("https://rates.example.com/latest.json", timeout=10).json())
