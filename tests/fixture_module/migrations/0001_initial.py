from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="titre")),
                ("summary", models.TextField(blank=True, verbose_name="résumé")),
                ("secret", models.TextField(blank=True, verbose_name="secret")),
                ("published", models.BooleanField(default=False, verbose_name="publiée")),
            ],
        ),
    ]
