from django import forms

from territoria.gouvernance.models import (
    Charter,
    CitizenMessage,
    Committee,
    CommitteeOpinion,
    CrpaNotice,
    FrugalityAssessment,
)

TRISTATE = [("", "Non renseigné"), ("oui", "Oui"), ("non", "Non")]


class FrugalityForm(forms.ModelForm):
    alternative = forms.ChoiceField(
        label="Une solution sans IA a-t-elle été étudiée ?", choices=TRISTATE, required=False
    )
    limits = forms.ChoiceField(
        label="Les besoins restent-ils maîtrisés ?", choices=TRISTATE, required=False
    )
    practices = forms.MultipleChoiceField(
        label="Pratiques de sobriété appliquées",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = FrugalityAssessment
        fields = [
            "alternative_text",
            "practices",
            "limits_text",
            "runtime_hours",
            "uses_per_year",
            "cores",
            "tdp_per_core_w",
            "usage",
            "memory_gb",
            "pue",
            "carbon_intensity",
        ]
        widgets = {
            "alternative_text": forms.Textarea(attrs={"rows": 3}),
            "limits_text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, practices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practices"].choices = [(p["id"], p["label"]) for p in practices]
        instance = self.instance
        self.initial["alternative"] = {True: "oui", False: "non"}.get(
            instance.alternative_considered, ""
        )
        self.initial["limits"] = {True: "oui", False: "non"}.get(instance.within_limits, "")
        for name in ("usage",):
            self.fields[name].validators.append(_between(0, 1))
        for name in ("runtime_hours", "tdp_per_core_w", "memory_gb", "carbon_intensity"):
            self.fields[name].validators.append(_between(0, 100000))
        self.fields["pue"].validators.append(_between(1, 5))

    def save(self, commit=True):
        self.instance.alternative_considered = {"oui": True, "non": False}.get(
            self.cleaned_data["alternative"]
        )
        self.instance.within_limits = {"oui": True, "non": False}.get(self.cleaned_data["limits"])
        return super().save(commit)


def _between(low, high):
    def check(value):
        if value is not None and not (low <= value <= high):
            raise forms.ValidationError(f"Saisissez une valeur entre {low} et {high}.")

    return check


class CrpaForm(forms.ModelForm):
    class Meta:
        model = CrpaNotice
        fields = [
            "individual_decisions",
            "service",
            "contact",
            "purpose",
            "decision_place",
            "automation",
            "legal_basis",
            "decisions_per_year",
            "data_sources",
            "parameters",
            "operations",
            "code_url",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "purpose",
                "decision_place",
                "legal_basis",
                "data_sources",
                "parameters",
                "operations",
            )
        }


class OpinionForm(forms.ModelForm):
    class Meta:
        model = CommitteeOpinion
        fields = [
            "committee",
            "verdict",
            "text",
            "given_on",
            "votes_for",
            "votes_against",
            "abstentions",
        ]
        widgets = {
            "given_on": forms.DateInput(attrs={"type": "date"}),
            "text": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.filter(organisation=organisation)
        self.fields["committee"].empty_label = None


class CitizenMessageForm(forms.ModelForm):
    # Anti-spam without third-party captcha: a field people do not see, and a signed time stamp.
    site_web = forms.CharField(label="Laissez ce champ vide", required=False)
    jeton = forms.CharField(widget=forms.HiddenInput)
    charte = forms.BooleanField(label="J'ai lu la charte de participation et je la respecte.")

    class Meta:
        model = CitizenMessage
        fields = ["kind", "author_name", "author_email", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4, "maxlength": 3000})}


class CharterForm(forms.ModelForm):
    class Meta:
        model = Charter
        fields = ["title", "adopted_on", "principles", "url"]
        widgets = {
            "adopted_on": forms.DateInput(attrs={"type": "date"}),
            "principles": forms.Textarea(attrs={"rows": 5}),
        }


class CommitteeForm(forms.ModelForm):
    class Meta:
        model = Committee
        fields = ["name", "composition"]
        widgets = {"composition": forms.Textarea(attrs={"rows": 2})}


class GateCriteriaForm(forms.Form):
    criteria = forms.CharField(
        label="Critères à vérifier avant tout usage de l'IA (un par ligne)",
        widget=forms.Textarea(attrs={"rows": 7}),
        required=False,
    )
