from accounts.models import Account
from celery import shared_task
from sentry_sdk.crons import monitor


@shared_task
@monitor(monitor_slug="purge-deleted-accounts")
def purge_deleted_accounts():
    Account.objects.deleted_before_days(30).delete()
