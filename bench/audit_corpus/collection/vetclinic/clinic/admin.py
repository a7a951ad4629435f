from django.contrib import admin

from .models import Appointment, Owner, Pet


@admin.register(Owner)
class OwnerAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "email", "phone")
    search_fields = ("last_name", "email")


admin.site.register(Pet)
admin.site.register(Appointment)
