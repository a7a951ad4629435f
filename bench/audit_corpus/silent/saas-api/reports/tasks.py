from celery import shared_task
from reports.usage import build_report, mail_report


@shared_task
def weekly_usage_report():
    mail_report(build_report(days=7))
