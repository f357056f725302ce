from django import forms

from territoria.assistant.models import Feedback, HandoffRequest


class AskForm(forms.Form):
    question = forms.CharField(label="Votre question", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    collections = forms.MultipleChoiceField(label="Chercher dans", required=False, widget=forms.CheckboxSelectMultiple)

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
        help_text="Plusieurs fichiers à la fois : sélectionnez-les, ou glissez-les depuis un dossier sur ce champ.",
    )


class FeedbackForm(forms.Form):
    feedback = forms.ChoiceField(choices=Feedback.choices)


class HandoffForm(forms.ModelForm):
    class Meta:
        model = HandoffRequest
        fields = ["question", "contact"]
        widgets = {"question": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"contact": "Un e-mail ou un téléphone si vous souhaitez être recontacté."}


class HandoffAnswerForm(forms.Form):
    response = forms.CharField(label="Réponse", widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
