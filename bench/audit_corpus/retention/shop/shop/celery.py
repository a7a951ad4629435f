import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "purge-inactive-customers": {
        "task": "shop.tasks.purge_inactive_customers",
        "schedule": crontab(hour=3, minute=10),
    },
    "anonymise-orders": {
        "task": "shop.tasks.anonymise_orders",
        "schedule": crontab(hour=3, minute=40),
    },
    "delete-expired-carts": {
        "task": "shop.tasks.delete_expired_carts",
        "schedule": crontab(minute=0),
    },
}
