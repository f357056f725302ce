import json

from django import forms
from django.conf import settings

from territoria.core import safe_json
from territoria.opendata import fetching
from territoria.opendata.ingest.errors import IngestError
from territoria.opendata.ingest.table_schema import load_schema
from territoria.opendata.models import Dataset


class DatasetForm(forms.ModelForm):
    keywords_text = forms.CharField(
        label="Mots-clés",
        required=False,
        help_text="Séparés par des virgules, ex. budget, subventions, associations.",
    )

    class Meta:
        model = Dataset
        fields = [
            "title",
            "description",
            "licence",
            "theme",
            "temporal_start",
            "temporal_end",
            "spatial_coverage",
            "frequency",
            "contact_name",
            "contact_email",
        ]
        widgets = {
            "temporal_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "temporal_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["keywords_text"].initial = ", ".join(self.instance.keywords)

    def clean(self):
        data = super().clean()
        start, end = data.get("temporal_start"), data.get("temporal_end")
        if start and end and start > end:
            self.add_error("temporal_end", "La fin de la couverture temporelle précède son début.")
        self.instance.keywords = [
            k.strip() for k in data.get("keywords_text", "").split(",") if k.strip()
        ]
        return data


class SourceForm(forms.Form):
    """A file to publish: uploaded, or fetched from an address."""

    # Not "title": the publish page shows this form next to DatasetForm, whose "title" it would shadow.
    resource_title = forms.CharField(
        label="Titre de la ressource",
        max_length=255,
        required=False,
        help_text="Par défaut, le nom du fichier.",
    )
    file = forms.FileField(
        label="Fichier",
        required=False,
        help_text="CSV, XLSX, JSON, GeoJSON ou Parquet — "
        f"{settings.OPENDATA_MAX_FILE_MB} Mo au plus.",
    )
    url = forms.URLField(
        label="… ou adresse du fichier",
        required=False,
        assume_scheme="https",
        help_text="Par exemple sur le serveur de fichiers de la collectivité.",
    )
    table_schema = forms.CharField(
        label="Table Schema (facultatif)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Schéma JSON (format schema.data.gouv.fr) que les données doivent respecter.",
    )

    def __init__(self, *args, with_title=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.fields["resource_title"]
        if not fetching.enabled():  # "publish from an address" is off: no field for it
            del self.fields["url"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > settings.OPENDATA_MAX_FILE_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"Fichier trop volumineux ({upload.size / 1024 / 1024:.0f} Mo) : la limite est de "
                f"{settings.OPENDATA_MAX_FILE_MB} Mo."
            )
        return upload

    def clean_table_schema(self):
        text = self.cleaned_data.get("table_schema", "").strip()
        if not text:
            return None
        try:
            descriptor = safe_json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"JSON invalide (ligne {error.lineno}, colonne {error.colno}) : {error.msg}."
            ) from None
        except safe_json.JSONTooDeepError as error:
            raise forms.ValidationError(str(error)) from None
        try:
            load_schema(descriptor)
        except IngestError as error:
            raise forms.ValidationError(str(error)) from None
        return descriptor

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(
                "Choisissez un fichier à envoyer, ou indiquez son adresse (un seul des deux)."
                if "url" in self.fields
                else "Choisissez un fichier à envoyer."
            )
        return data

    @property
    def source_name(self) -> str:
        return (
            self.cleaned_data["file"].name
            if self.cleaned_data.get("file")
            else self.cleaned_data["url"]
        )
