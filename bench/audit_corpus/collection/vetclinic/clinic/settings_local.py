DEFAULT_FROM_EMAIL = "Riverside Vets <noreply@riverside-vets.example>"
EMAIL_HOST = "smtp.example.net"
ALLOWED_HOSTS = ["riverside-vets.example"]
ADMINS = [("Ops", "ops@riverside-vets.example")]
