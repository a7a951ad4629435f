import os

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

DEBUG = False
ALLOWED_HOSTS = ["api.example.com"]
TIME_ZONE = "UTC"
USE_TZ = True

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://redis:6379/0")
CELERY_TASK_ACKS_LATE = True

HEALTHCHECKS_PING_URL = os.environ.get("HEALTHCHECKS_PING_URL", "https://hc-ping.com")
REINDEX_CHECK_UUID = os.environ.get("REINDEX_CHECK_UUID", "")

sentry_sdk.init(
    dsn=os.environ.get("SENTRY_DSN"),
    integrations=[DjangoIntegration()],
    traces_sample_rate=0.05,
    send_default_pii=False,
)
