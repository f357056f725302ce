"""The import page's form: file, format, optional mapping, state of the new records."""

from django import forms
from django.conf import settings

from territoria.registre.importers.service import FORMATS, STATUSES

FORMAT_LABELS = {
    "auto": "Détection automatique (recommandé)",
    "anchor-csv": "CSV de la Bibliothèque (colonnes de data.csv : Nom_collectivite, SIRET…)",
    "processed-csv": "CSV aux identifiants du schéma (coll_nom, coll_siret… : export « tous les champs »)",
    "xlsx": "Classeur Excel (XLSX, première feuille)",
    "nl": "Registre néerlandais des algorithmes (JSON)",
    "uk": "Registre britannique ATRS (JSON)",
}
STATUS_LABELS = {
    "published": "Publiées (elles le sont déjà dans le registre d'origine)",
    "draft": "Brouillons (à relire avant publication)",
}
ACCEPTED_EXTENSIONS = ".csv,.txt,.xlsx,.json"
MAPPING_MAX_BYTES = 1024 * 1024


def max_upload_mb() -> int:
    return settings.TERRITORIA_MAX_UPLOAD_MB


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier à importer",
        help_text="CSV (séparateur et encodage détectés, Windows-1252 accepté), XLSX ou JSON.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_EXTENSIONS}),
    )
    format = forms.ChoiceField(
        label="Format",
        choices=[(code, FORMAT_LABELS.get(code, code)) for code in FORMATS],
        initial="auto",
    )
    mapping = forms.FileField(
        label="Correspondance des colonnes (facultatif)",
        required=False,
        help_text='Fichier JSON {"colonne du fichier": "champ du schéma"} ; une colonne associée à null est ignorée.',
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )
    status = forms.ChoiceField(
        label="État des nouvelles fiches",
        choices=[(code, STATUS_LABELS.get(code, code)) for code in STATUSES],
        initial="published",
        widget=forms.RadioSelect,
        help_text="Les fiches déjà présentes gardent leur état.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text += f" Taille maximale : {max_upload_mb()} Mo."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_mb()
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                f"Le fichier pèse {upload.size / 1024 / 1024:.1f} Mo : la taille maximale est de {limit} Mo "
                "(réglage TERRITORIA_MAX_UPLOAD_MB). Découpez le fichier ou demandez à l'administrateur "
                "d'augmenter la limite."
            )
        return upload

    def clean_mapping(self):
        upload = self.cleaned_data.get("mapping")
        if upload and upload.size > MAPPING_MAX_BYTES:
            raise forms.ValidationError(
                "Le fichier de correspondance dépasse 1 Mo : ce n'est pas une correspondance."
            )
        return upload
