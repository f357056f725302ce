"""Forms of the culture pages (French labels and messages)."""

from __future__ import annotations

from django import forms
from django.utils.text import slugify

from territoria.culture.models import Action, AttendanceSeries, Commune, Observatory
from territoria.culture.services import KINDS

MAX_UPLOAD = 50 * 1024 * 1024


class ObservatoryForm(forms.ModelForm):
    class Meta:
        model = Observatory
        fields = ["name", "epci_code", "departement", "introduction"]
        help_texts = {
            "epci_code": "SIREN à 9 chiffres, ex. 200023414 pour la Métropole Rouen Normandie.",
            "departement": "Ou bien un code de département, ex. 76.",
        }

    def clean(self):
        data = super().clean()
        epci, dep = data.get("epci_code"), data.get("departement")
        if epci and not Commune.objects.filter(epci_code=epci).exists():
            self.add_error(
                "epci_code",
                "Aucune commune importée n'appartient à cet EPCI : importez d'abord son département.",
            )
        if dep and not Commune.objects.filter(departement=dep).exists():
            self.add_error("departement", "Aucune commune importée pour ce département.")
        return data

    def save(self, commit=True):
        observatory = super().save(commit=False)
        if not observatory.slug:
            base = slugify(observatory.name)[:70] or "observatoire"
            slug, n = base, 2
            while Observatory.objects.filter(slug=slug).exists():
                slug, n = f"{base}-{n}", n + 1
            observatory.slug = slug
        if commit:
            observatory.save()
        return observatory


class ActionForm(forms.ModelForm):
    treated = forms.CharField(
        label="Musées concernés (références du fichier national, séparées par des virgules)",
        help_text="Ex. 7654005, 7654006, 7654010 (Beaux-Arts, Le Secq des Tournelles, Céramique de Rouen).",
    )

    class Meta:
        model = Action
        fields = [
            "name",
            "kind",
            "place",
            "public",
            "description",
            "start_year",
            "first_year",
            "last_year",
        ]

    def clean_treated(self):
        refs = [
            ref.strip()
            for ref in self.cleaned_data["treated"].replace(";", ",").split(",")
            if ref.strip()
        ]
        known = set(AttendanceSeries.objects.filter(ref__in=refs).values_list("ref", flat=True))
        unknown = [ref for ref in refs if ref not in known]
        if unknown:
            raise forms.ValidationError(
                f"Références inconnues du fichier importé : {', '.join(unknown)}."
            )
        if not refs:
            raise forms.ValidationError("Indiquez au moins une référence.")
        self.instance.treated_refs = refs  # checked by Action.clean() with the other fields
        return refs

    def clean(self):
        data = super().clean()
        first, start, last = data.get("first_year"), data.get("start_year"), data.get("last_year")
        if None not in (first, start, last) and not (first + 1 < start <= last):
            raise forms.ValidationError(
                "Années : il faut au moins deux années observées avant l'action, et l'année de "
                "début dans la période."
            )
        return data

    def save(self, commit=True):
        action = super().save(commit=False)
        action.treated_refs = self.cleaned_data["treated"]
        if commit:
            action.save()
        return action


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type de fichier", choices=[(key, label) for key, (label, _) in KINDS.items()]
    )
    file = forms.FileField(label="Fichier")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("Fichier trop volumineux (50 Mo au plus).")
        return upload


class SurveyForm(forms.Form):
    title = forms.CharField(label="Titre de l'enquête", max_length=200)
    introduction = forms.CharField(
        label="Présentation (affichée aux répondants)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    observatory = forms.ModelChoiceField(
        label="Territoire (pour situer les réponses par commune)",
        queryset=Observatory.objects.all(),
        required=False,
    )
    questions = forms.CharField(
        label="Questions, une par ligne",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="A: affirmation (accord de 1 à 5) · C: question | choix 1 | choix 2 · O: question à réponse libre.",
    )

    def clean_questions(self):
        from territoria.culture.surveys import SurveyError, parse_questions

        try:
            parse_questions(self.cleaned_data["questions"])
        except SurveyError as error:
            raise forms.ValidationError(str(error)) from None
        return self.cleaned_data["questions"]
