"""Retention jobs. Periods come from the data inventory; keep them in step with the privacy policy."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from shop.models import Cart, Customer, Order


@shared_task
def purge_inactive_customers() -> int:
    cutoff = timezone.now() - timedelta(days=730)
    deleted, _ = Customer.objects.filter(last_order_at__lt=cutoff).delete()
    return deleted


@shared_task
def anonymise_orders() -> int:
    cutoff = timezone.now() - timedelta(days=6 * 365)
    return Order.objects.filter(created_at__lt=cutoff, anonymised=False).update(
        shipping_address="", anonymised=True
    )


@shared_task
def delete_expired_carts() -> int:
    cutoff = timezone.now() - timedelta(days=30)
    deleted, _ = Cart.objects.filter(created__lt=cutoff).delete()
    return deleted


@shared_task
def send_order_reminders() -> None:
    """Reminds customers of an unpaid order; deletes nothing."""
