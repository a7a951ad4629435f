from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=32, blank=True)
    newsletter = models.BooleanField(default=False)
    last_order_at = models.DateTimeField(null=True)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    shipping_address = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised = models.BooleanField(default=False)


class Cart(models.Model):
    items = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)


class SupportTicket(models.Model):
    customer = models.ForeignKey(Customer, null=True, on_delete=models.SET_NULL)
    body = models.TextField()
    closed_at = models.DateTimeField(null=True)
