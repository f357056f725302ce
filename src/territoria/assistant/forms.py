from django import forms

from territoria.assistant.models import Feedback, HandoffRequest


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
    widget = MultipleFileInput

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
