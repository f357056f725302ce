"""Forms of the register pages, derived from the field table (schema.FIELDS).

Labels are the schema titles, help texts its descriptions, vocabularies its enumerations:
adding a field to the schema adds it to the contribution form. Errors say what is expected.
"""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from territoria.core.models import Organisation
from territoria.registre import schema
from territoria.registre.models import ErrorReport, Project
from territoria.registre.permissions import can_moderate
from territoria.registre.validators import validate_project_year
from territoria.registre.visibility import visible_fields

# Fields a contributor fills in: the ones of the project itself, not those of its
# organisation, nor the update date that the platform sets.
EDITABLE_SPECS = [spec for spec in schema.PROJECT_FIELDS if spec.name != "date"]
MAX_SUB_THEMES = 2

ERROR_MESSAGES = {
    "invalid_url": "Saisissez une adresse web complète commençant par https://, "
    "par exemple https://www.ma-ville.fr/projet-ia.",
    "invalid_email": "Saisissez une adresse e-mail valide, par exemple service.numerique@ma-ville.fr.",
    "required_to_submit": "Ce champ est obligatoire pour soumettre le projet à la modération.",
    "choose_to_submit": "Choisissez une valeur dans la liste : ce champ est obligatoire pour "
    "soumettre le projet à la modération.",
    "check_to_submit": "Cochez au moins une case : ce champ est obligatoire pour soumettre le "
    "projet à la modération.",
}


class MonthField(forms.Field):
    """A month typed as MM/AAAA (as in the Bibliothèque), stored as the first day of that month."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "size": 8, "maxlength": 10, "autocomplete": "off"}
        )

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return value.strftime("%m/%Y")
        return value

    def to_python(self, value):
        value = str(value or "").strip()
        if not value:
            return None
        match = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{4})", value) or None
        iso = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", value)
        if match:
            month, year = int(match.group(1)), int(match.group(2))
        elif iso:
            year, month = int(iso.group(1)), int(iso.group(2))
        else:
            raise ValidationError(
                f"« {value} » n'est pas un mois au format MM/AAAA : saisissez par exemple 03/2024.",
                code="invalid",
            )
        if not 1 <= month <= 12:
            raise ValidationError(
                f"« {value} » n'est pas un mois valide : le mois va de 01 à 12.", code="invalid"
            )
        date = datetime.date(year, month, 1)
        validate_project_year(date)  # the model's rule, checked here for the inline message
        return date


class AccessibleFormMixin:
    """Every input points to its help text and to its (possibly empty) error container.

    The error container is always in the page, so that inline validation (htmx) can fill it
    and screen readers announce it (aria-live), and aria-describedby never dangles.
    """

    def _describe_fields(self):
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            auto_id = self[name].auto_id
            ids = ([f"{auto_id}_helptext"] if field.help_text else []) + [f"{auto_id}_error"]
            if not isinstance(field.widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                field.widget.attrs["aria-describedby"] = " ".join(ids)


def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class ProjectForm(AccessibleFormMixin, forms.ModelForm):
    """Create or edit a project. `submitting=True` also requires the fields needed to submit."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Project
        fields = ["organisation"] + [spec.attr for spec in EDITABLE_SPECS]
        formfield_callback = _formfield

    def __init__(self, *args, user=None, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.submitting = submitting
        if not self.is_bound:
            self.initial["expected_version"] = self.instance.version
        self._setup_organisation()
        for spec in EDITABLE_SPECS:
            self.fields[spec.attr] = self._field_for(spec, self.fields[spec.attr])
        self._describe_fields()
        self._validate_inline()

    def _validate_inline(self):
        # Progressive enhancement: htmx posts the form when a field changes (on leaving a text
        # field) and shows that field's errors; without JavaScript the server checks on save.
        for spec in EDITABLE_SPECS:
            self.fields[spec.attr].widget.attrs.update(
                {
                    "hx-post": reverse("registre:validate_field", args=[spec.attr]),
                    "hx-trigger": "change",
                    "hx-target": f"#{self[spec.attr].auto_id}_error",
                    "hx-swap": "innerHTML",
                }
            )

    def _setup_organisation(self):
        # Moderators document projects of any organisation; agents only their own.
        can_choose = can_moderate(self.user) and self.instance._state.adding
        if can_choose:
            field = self.fields["organisation"]
            field.queryset = Organisation.objects.order_by("name")
            field.label = "Organisation porteuse"
            field.help_text = "La collectivité ou l'organisation qui porte le projet."
            field.empty_label = "— Choisir une organisation —"
            field.error_messages["required"] = "Choisissez l'organisation qui porte le projet."
        else:
            del self.fields["organisation"]

    def _field_for(self, spec, default: forms.Field) -> forms.Field:
        if spec.vocabulary is not None and spec.multiple:
            field = forms.MultipleChoiceField(
                choices=spec.vocabulary.choices, widget=forms.CheckboxSelectMultiple, required=False
            )
        elif spec.vocabulary is not None:
            field = forms.ChoiceField(
                choices=[("", "— Choisir —")] + spec.vocabulary.choices, required=False
            )
        elif spec.name == "projet_date":
            field = MonthField(required=False)
        else:
            field = default
        field.label = spec.title
        field.help_text = spec.description
        field.spec = spec
        field.required_to_submit = spec.required
        if isinstance(field, forms.URLField):
            field.error_messages["invalid"] = ERROR_MESSAGES["invalid_url"]
        if isinstance(field, forms.EmailField):
            field.error_messages["invalid"] = ERROR_MESSAGES["invalid_email"]
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs.update({"rows": 3, "cols": 60})
        if spec.name == "nom_projet":
            field.error_messages["required"] = (
                "Donnez un nom au projet (obligatoire, même pour un brouillon)."
            )
        return field

    def clean_sous_themes(self):
        codes = self.cleaned_data.get("sous_themes") or []
        if len(codes) > MAX_SUB_THEMES:
            raise ValidationError(
                f"Choisissez au plus {MAX_SUB_THEMES} sous-thèmes (vous en avez coché {len(codes)})."
            )
        return codes

    def clean(self):
        cleaned = super().clean()
        if self.submitting:
            for spec in EDITABLE_SPECS:
                if (
                    spec.required
                    and spec.attr not in self.errors
                    and cleaned.get(spec.attr) in (None, "", [])
                ):
                    key = "required_to_submit"
                    if spec.vocabulary:
                        key = "check_to_submit" if spec.multiple else "choose_to_submit"
                    self.add_error(spec.attr, ERROR_MESSAGES[key])
        return cleaned

    def groups(self):
        """[(category, [bound fields])] in the schema's order, for sections with a heading."""
        grouped: dict[str, list] = {}
        if "organisation" in self.fields:
            grouped["Porteur du projet"] = [self["organisation"]]
        for spec in EDITABLE_SPECS:
            grouped.setdefault(spec.category, []).append(self[spec.attr])
        return list(grouped.items())

    def add_save_error(self, error: ValidationError) -> None:
        """Attach a model validation error to the form fields it names (or to the whole form)."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


class SendBackForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label="Motif du renvoi",
        help_text="Ce qui doit être corrigé ou complété ; le message est envoyé à l'organisation porteuse.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Indiquez le motif du renvoi : il sera transmis au contributeur."
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe_fields()


class ErrorReportForm(AccessibleFormMixin, forms.ModelForm):
    # Honeypot: hidden from people (and from assistive technologies), filled by spam robots.
    website = forms.CharField(required=False, label="Ne pas remplir ce champ")

    class Meta:
        model = ErrorReport
        fields = ["field_name", "message", "reporter_email"]
        labels = {"field_name": "Champ concerné", "message": "Description de l'erreur"}
        help_texts = {
            "message": "Ce qui est inexact et, si vous la connaissez, la bonne information.",
            "reporter_email": "Pour que la modération puisse vous répondre. Il n'est pas publié.",
        }
        error_messages = {
            "message": {"required": "Décrivez l'erreur constatée (obligatoire)."},
            "reporter_email": {"invalid": ERROR_MESSAGES["invalid_email"]},
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "La fiche en général")] + [
            (spec.name, spec.title) for spec in visible_fields(user)
        ]
        self.fields["field_name"] = forms.ChoiceField(
            label="Champ concerné", choices=choices, required=False
        )
        self.fields["message"].widget.attrs.update({"rows": 4})
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self._describe_fields()

    def is_spam(self) -> bool:
        return bool(self.data.get(self.add_prefix("website")))


class ReportStatusForm(AccessibleFormMixin, forms.ModelForm):
    class Meta:
        model = ErrorReport
        fields = ["status", "answer"]
        labels = {"status": "Statut", "answer": "Réponse (facultative)"}
        help_texts = {
            "answer": "Envoyée par e-mail à la personne qui a signalé l'erreur, si elle a "
            "laissé son adresse."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].widget.attrs.update({"rows": 2})
        self._describe_fields()
