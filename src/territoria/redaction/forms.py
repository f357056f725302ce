from django import forms

from territoria.redaction.services.scdl import SUBJECTS

SUBJECT_CHOICES = [("", "—")] + [(code, f"{code} — {name}") for code, name in SUBJECTS.items()]
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class LinesField(forms.CharField):
    """One item per line (visas, considérants, articles)."""

    widget = forms.Textarea

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value


class NewDraftForm(forms.Form):
    title = forms.CharField(
        label="Objet de la délibération",
        max_length=500,
        help_text="Par exemple : « Attribution d'une subvention à l'association sportive ». "
        "Les délibérations publiées les plus proches servent à pré-remplir le projet.",
    )
    date = forms.DateField(
        label="Date de la séance",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    subject_code = forms.ChoiceField(
        label="Matière (@CTES)", choices=SUBJECT_CHOICES, required=False
    )


class DraftForm(forms.Form):
    title = forms.CharField(label="Objet", max_length=500)
    body = forms.CharField(label="Assemblée", max_length=200)
    date = forms.DateField(
        label="Date de la séance",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    subject_code = forms.ChoiceField(
        label="Matière (@CTES)", choices=SUBJECT_CHOICES, required=False
    )
    visas = LinesField(label="Visas (un par ligne, « Vu … »)", required=False)
    considerants = LinesField(
        label="Considérants (un par ligne, « Considérant … »)", required=False
    )
    articles = LinesField(label="Dispositif : un article par ligne", required=False)
    vote_effectif = forms.IntegerField(label="Effectif", required=False, min_value=0)
    vote_reel = forms.IntegerField(label="Votants", required=False, min_value=0)
    vote_pour = forms.IntegerField(label="Pour", required=False, min_value=0)
    vote_contre = forms.IntegerField(label="Contre", required=False, min_value=0)
    vote_abstention = forms.IntegerField(label="Abstentions", required=False, min_value=0)


class AdoptForm(forms.Form):
    delib_id = forms.CharField(label="Identifiant de la délibération adoptée", max_length=100)


class TextForm(forms.Form):
    title = forms.CharField(label="Titre (pour vous retrouver)", max_length=255, required=False)
    text = forms.CharField(
        label="Texte",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Collez le texte, ou déposez un fichier ci-dessous.",
    )
    file = forms.FileField(
        label="Ou un fichier (TXT, Markdown, DOCX, ODT, PDF avec texte ; transcription VTT ou SRT)",
        required=False,
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Le fichier dépasse 10 Mo : découpez-le.")
        if not (data.get("text") or "").strip() and upload is None:
            raise forms.ValidationError("Collez un texte ou déposez un fichier.")
        return data


class SummaryForm(TextForm):
    max_words = forms.IntegerField(
        label="Longueur de la synthèse (mots)", min_value=20, max_value=1000, initial=120
    )


class DocumentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.title or obj.source


class SelectionForm(forms.Form):
    """Several documents of one collection the agent may read (the queryset is that collection's
    indexed documents only: any other id posted is refused by the form)."""

    title = forms.CharField(label="Titre (pour vous retrouver)", max_length=255, required=False)
    documents = DocumentChoice(
        label="Documents à résumer",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choisissez au moins un document.",
            "invalid_choice": "Un des documents choisis n'est pas dans cette collection.",
            "invalid_pk_value": "Un des documents choisis n'est pas dans cette collection.",
        },
    )
    max_words = forms.IntegerField(
        label="Longueur de la synthèse (mots)", min_value=20, max_value=1000, initial=150
    )

    def __init__(self, *args, collection, **kwargs):
        from territoria.redaction.services.selection import documents_of

        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = documents_of(collection)


class ImportForm(forms.Form):
    file = forms.FileField(label="Fichier CSV au format SCDL « Délibérations »")
    texts = forms.FileField(
        label="Textes des actes (facultatif) : une archive ZIP",
        required=False,
        help_text="Chaque fichier (PDF avec texte, ODT, DOCX, TXT) porte le DELIB_ID de sa ligne, "
        "par exemple « 2024-015.pdf ».",
    )
    mapping = forms.CharField(
        label="Correspondance des colonnes (facultatif)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Pour un fichier qui n'a pas les noms SCDL : une ligne par colonne, "
        "par exemple « DELIB_OBJET=objet ».",
    )

    def clean_mapping(self):
        mapping = {}
        for n, line in enumerate(self.cleaned_data["mapping"].splitlines(), start=1):
            if not line.strip():
                continue
            if "=" not in line:
                raise forms.ValidationError(
                    f"Ligne {n} : « COLONNE_SCDL=colonne du fichier » attendu."
                )
            key, value = (part.strip() for part in line.split("=", 1))
            mapping[key.upper()] = value
        return mapping


class TemplateForm(forms.Form):
    name = forms.CharField(label="Nom du modèle", max_length=200)
    file = forms.FileField(label="Modèle DOCX ou ODT avec les champs {{titre}}, {{visas}}…")
