from django import forms

from territoria.catalogue import vocabulary as voc
from territoria.catalogue.models import Experiment, Idea, IdeationSession, Provider, Solution
from territoria.core.models import Organisation
from territoria.registre.models import Project


class GuideForm(forms.Form):
    text = forms.CharField(
        label="Décrivez votre besoin",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Quel service, quelle tâche, quelles données ? Par exemple : transcrire les "
        "séances du conseil municipal pour publier les comptes rendus.",
        max_length=5000,
    )
    domain = forms.ChoiceField(
        label="Domaine", required=False, choices=[("", "— tous —"), *voc.DOMAINS.choices]
    )
    features = forms.MultipleChoiceField(
        label="Fonctions d'IA recherchées (facultatif)",
        required=False,
        choices=voc.AI_FEATURES.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    sensitivity = forms.ChoiceField(
        label="Sensibilité des données",
        choices=voc.Sensitivity.choices,
        initial=voc.Sensitivity.INTERNAL,
    )
    budget = forms.ChoiceField(label="Budget", choices=voc.Budget.choices, initial=voc.Budget.SMALL)
    skills = forms.ChoiceField(
        label="Compétences internes", choices=voc.Skills.choices, initial=voc.Skills.SOME
    )
    on_premise_only = forms.BooleanField(
        label="Seulement des solutions installables sur nos serveurs", required=False
    )


class ExperimentForm(forms.ModelForm):
    indicators = forms.CharField(
        label="Indicateurs de réussite (décidés avant de commencer)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Un par ligne : nom ; unité ; valeur de départ ; cible. "
        "Par exemple : Temps de rédaction d'un compte rendu ; heures ; 6 ; 2",
    )

    class Meta:
        model = Experiment
        fields = [
            "title",
            "need",
            "solution",
            "pilots",
            "co_carriers",
            "hypotheses",
            "duration_weeks",
            "data",
            "project",
            "legal_check",
            "budget",
        ]
        widgets = {
            "need": forms.Textarea(attrs={"rows": 3}),
            "hypotheses": forms.Textarea(attrs={"rows": 3}),
            "data": forms.Textarea(attrs={"rows": 2}),
            "legal_check": forms.Textarea(attrs={"rows": 2}),
            "budget": forms.Textarea(attrs={"rows": 2}),
            "pilots": forms.CheckboxSelectMultiple,
            "co_carriers": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The register record whose AI-Act classification (gouvernance) is the legal check.
        self.fields["project"].queryset = (
            projects if projects is not None else Project.objects.none()
        )
        self.fields["project"].help_text = (
            "Un projet de votre collectivité : sa classification au règlement IA, faite dans la "
            "gouvernance, est reprise dans la vérification juridique."
        )
        self.fields["solution"].queryset = Solution.objects.filter(
            published=True, merged_into__isnull=True
        )
        organisations = Organisation.objects.filter(country="FR").order_by("name")
        self.fields["pilots"].queryset = organisations
        self.fields["co_carriers"].queryset = organisations

    def clean_indicators(self):
        rows, problems = [], []
        for number, line in enumerate(self.cleaned_data["indicators"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) != 4:
                problems.append(
                    f"ligne {number} : 4 valeurs séparées par « ; » attendues "
                    "(nom ; unité ; valeur de départ ; cible)"
                )
                continue
            name, unit, baseline, target = parts
            try:
                base = float(baseline.replace(",", ".")) if baseline else None
                goal = float(target.replace(",", ".")) if target else None
            except ValueError:
                problems.append(
                    f"ligne {number} : la valeur de départ et la cible sont des nombres"
                )
                continue
            rows.append((name, unit, base, goal))
        if problems:
            raise forms.ValidationError(problems)
        return rows


class ReportForm(forms.Form):
    costs = forms.CharField(
        label="Coûts constatés", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    energy = forms.CharField(
        label="Énergie consommée", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    feedback = forms.CharField(
        label="Retours des utilisateurs", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lessons = forms.CharField(
        label="Enseignements", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decision = forms.ChoiceField(label="Décision", choices=voc.Decision.choices)
    public = forms.BooleanField(label="Publier ce rapport d'évaluation", required=False)

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for index, indicator in enumerate(self.indicators):
            self.fields[f"measured_{index}"] = forms.FloatField(
                label=f"{indicator.name} : valeur mesurée"
                + (f" ({indicator.unit})" if indicator.unit else ""),
                help_text=f"Départ {indicator.baseline:g}, cible {indicator.target:g}.",
            )

    def measured(self) -> dict:
        return {
            indicator.name: self.cleaned_data[f"measured_{index}"]
            for index, indicator in enumerate(self.indicators)
        }


class IdeaForm(forms.ModelForm):
    """An idea, proposed in a session. Given `sessions` (the open sessions the agent takes part
    in), the form asks which; on a session's own page the session is fixed."""

    class Meta:
        model = Idea
        fields = ["session", "need", "service", "benefit", "data_available"]
        widgets = {
            "need": forms.Textarea(attrs={"rows": 3}),
            "benefit": forms.Textarea(attrs={"rows": 2}),
            "data_available": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sessions is None:
            del self.fields["session"]
        else:
            field = self.fields["session"]
            field.queryset = sessions
            field.required = True
            field.empty_label = None
            field.help_text = "Les sessions ouvertes auxquelles vous participez."


class SessionForm(forms.ModelForm):
    class Meta:
        model = IdeationSession
        fields = ["title", "date", "description"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 2}),
        }


class JournalForm(forms.Form):
    text = forms.CharField(
        label="Nouvelle note du journal", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class SolutionForm(forms.ModelForm):
    """A curator's form for one solution: its facts, and its provider (an existing one, or a
    new one described here)."""

    provider = forms.ModelChoiceField(
        label="Fournisseur",
        queryset=Provider.objects.order_by("name"),
        required=False,
        empty_label="— nouveau fournisseur (ci-dessous) —",
    )
    provider_name = forms.CharField(
        label="Nouveau fournisseur : nom", max_length=200, required=False
    )
    provider_siren = forms.CharField(
        label="Nouveau fournisseur : SIREN", max_length=9, required=False, help_text="9 chiffres."
    )
    provider_country = forms.CharField(
        label="Nouveau fournisseur : pays", max_length=2, required=False, help_text="ex. FR"
    )
    provider_size = forms.ChoiceField(
        label="Nouveau fournisseur : taille",
        choices=[("", "—"), *voc.ProviderSize.choices],
        required=False,
    )
    ai_features = forms.MultipleChoiceField(
        label="Fonctions d'IA",
        choices=voc.AI_FEATURES.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    domains = forms.MultipleChoiceField(
        label="Domaines métier",
        choices=voc.DOMAINS.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    homonym = forms.BooleanField(
        label="Homonyme confirmé : une autre solution porte ce nom chez un autre fournisseur",
        required=False,
    )

    class Meta:
        model = Solution
        fields = [
            "name",
            "description",
            "licence",
            "free_software",
            "hosting",
            "data_location",
            "secnumcloud",
            "open_formats",
            "reversibility",
            "business_software",
            "price_model",
            "negotiated_price",
            "energy",
            "documentation_url",
            "source_url",
            "published",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "reversibility": forms.Textarea(attrs={"rows": 2}),
            "negotiated_price": forms.Textarea(attrs={"rows": 2}),
            "energy": forms.Textarea(attrs={"rows": 2}),
        }

    field_order = [
        "name",
        "homonym",
        "provider",
        "provider_name",
        "provider_siren",
        "provider_country",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("provider", self.instance.provider_id)
        self.fields["negotiated_price"].label = "Prix négociés (restreint : agents et élus)"

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("provider") and not (cleaned.get("provider_name") or "").strip():
            self.add_error(
                "provider", "Choisissez un fournisseur, ou donnez le nom d'un nouveau fournisseur."
            )
        return cleaned

    def new_provider(self) -> dict | None:
        if self.cleaned_data.get("provider"):
            return None
        return {
            "name": self.cleaned_data["provider_name"].strip(),
            "siren": self.cleaned_data["provider_siren"].strip(),
            "country": self.cleaned_data["provider_country"].strip().upper(),
            "size": self.cleaned_data["provider_size"],
        }

    def values(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in [*self.Meta.fields, "ai_features", "domains"]
        }
