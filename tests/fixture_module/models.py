from django.db import models


class Note(models.Model):
    title = models.CharField("titre", max_length=200)
    summary = models.TextField("résumé", blank=True)  # public once published
    secret = models.TextField("secret", blank=True)  # readers holding READ_SECRET only
    published = models.BooleanField("publiée", default=False)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("fixture_module:note", args=[self.pk])
