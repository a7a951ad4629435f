from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Owner",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("first_name", models.CharField(max_length=60)),
                ("email", models.EmailField(max_length=254, unique=True)),
            ],
        ),
    ]
