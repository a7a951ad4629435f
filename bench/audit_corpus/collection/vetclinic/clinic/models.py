from django.conf import settings
from django.db import models


class Owner(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=20)
    address_line1 = models.CharField(max_length=120)
    postcode = models.CharField(max_length=10)
    date_of_birth = models.DateField(null=True, blank=True)
    reminder_opt_in = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Pet(models.Model):
    owner = models.ForeignKey(Owner, related_name="pets", on_delete=models.CASCADE)
    name = models.CharField(max_length=60)
    species = models.CharField(max_length=20, choices=[("dog", "Dog"), ("cat", "Cat"), ("other", "Other")])
    breed = models.CharField(max_length=60, blank=True)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    microchip_number = models.CharField(max_length=15, blank=True)
    medical_notes = models.TextField(blank=True)


class Appointment(models.Model):
    pet = models.ForeignKey(Pet, on_delete=models.CASCADE)
    starts_at = models.DateTimeField()
    vet = models.ForeignKey("Vet", on_delete=models.PROTECT)
    reason = models.CharField(max_length=40, choices=[("vaccination", "Vaccination"), ("checkup", "Check-up")])
    owner_comments = models.TextField(blank=True)
    status = models.CharField(max_length=12, default="booked")


class Vet(models.Model):
    display_name = models.CharField(max_length=80)
    room = models.CharField(max_length=10)
    rcvs_number = models.CharField(max_length=12)


class Clinic(models.Model):
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=200)
    phone = models.CharField(max_length=20)
    email = models.EmailField()
    latitude = models.FloatField()
    longitude = models.FloatField()
