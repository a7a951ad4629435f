import requests
from celery import shared_task
from django.conf import settings
from search.index import rebuild


@shared_task
def rebuild_index():
    rebuild()
    requests.get(f"{settings.HEALTHCHECKS_PING_URL}/{settings.REINDEX_CHECK_UUID}", timeout=10)
