from django import forms
from django.utils.text import slugify

from territoria.assistant.models import Collection, Feedback, HandoffRequest, Visibility

# Paths of the collection pages that a generated slug must not shadow.
RESERVED_SLUGS = {"nouvelle"}


class CollectionForm(forms.ModelForm):
    """Create or edit a collection: its name, who may read it, the service to contact.

    The organisation is the manager's own (a platform administrator chooses it); the slug is
    made from the name at creation and never changes (it names the passages' namespace).
    """

    class Meta:
        model = Collection
        fields = [
            "name",
            "description",
            "visibility",
            "organisation",
            "groups",
            "contact_service",
            "contact_email",
            "contact_phone",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "visibility": forms.RadioSelect,
            "groups": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "visibility": "Qui peut interroger la collection et ouvrir ses documents.",
            "groups": "Pour une collection réservée à des groupes : les membres de ces groupes.",
            "contact_service": "Proposé quand l'assistant ne trouve pas la réponse.",
        }

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].required = True
        self.fields["organisation"].empty_label = None
        if organisations is not None and organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()
            self.fields["organisation"].disabled = True
            self.fields["organisation"].help_text = "La collection appartient à votre organisation."
        if not self.fields["groups"].queryset.exists():
            del self.fields["groups"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("visibility") == Visibility.GROUP and not cleaned.get("groups"):
            self.add_error("groups", "Choisissez au moins un groupe, ou une autre visibilité.")
        return cleaned

    def save(self, commit=True):
        collection = super().save(commit=False)
        if not collection.slug:
            collection.slug = unique_slug(collection.name)
        if commit:
            collection.save()
            self.save_m2m()
        return collection


def unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "collection"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Collection.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class AskForm(forms.Form):
    question = forms.CharField(
        label="Votre question", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    collections = forms.MultipleChoiceField(
        label="Chercher dans", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, collections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collections"].choices = [(c.slug, c.name) for c in collections]
        if len(collections) <= 1:
            self.fields["collections"].widget = forms.MultipleHiddenInput()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files; an empty one is not an error of the form (services/uploads.py refuses
    it by name and keeps the others)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Fichiers (PDF, DOCX, ODT, HTML, Markdown, texte)",
        required=False,
        help_text="Plusieurs fichiers à la fois : sélectionnez-les, ou glissez-les depuis un dossier sur ce champ.",
    )
    folder = MultipleFileField(
        label="Ou un dossier entier, avec ses sous-dossiers",
        required=False,
        widget=MultipleFileInput(attrs={"webkitdirectory": True, "directory": True}),
        help_text="Les fichiers cachés sont ignorés ; un fichier d'un format inconnu est signalé en échec.",
    )
    # Filled by assistant/upload.js with each file's path inside the folder (webkitRelativePath),
    # which the browser does not send as the file name: documents keep "rh/conges.docx".
    folder_paths = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("files") and not cleaned.get("folder"):
            raise forms.ValidationError("Choisissez au moins un fichier ou un dossier.")
        return cleaned

    def uploads(self, request) -> list[tuple]:
        """(uploaded file, its name in the collection) of every file sent, folders' ones first."""
        import json

        folder = request.FILES.getlist("folder")
        try:
            paths = json.loads(self.cleaned_data.get("folder_paths") or "[]")
        except ValueError:
            paths = []
        if (
            not isinstance(paths, list)
            or len(paths) != len(folder)
            or not all(isinstance(p, str) for p in paths)
        ):
            paths = [f.name for f in folder]
        return [*zip(folder, paths), *((f, f.name) for f in request.FILES.getlist("files"))]


class FeedbackForm(forms.Form):
    feedback = forms.ChoiceField(choices=Feedback.choices)


class HandoffForm(forms.ModelForm):
    class Meta:
        model = HandoffRequest
        fields = ["question", "contact"]
        widgets = {"question": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"contact": "Un e-mail ou un téléphone si vous souhaitez être recontacté."}


class HandoffAnswerForm(forms.Form):
    response = forms.CharField(
        label="Réponse", widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )
