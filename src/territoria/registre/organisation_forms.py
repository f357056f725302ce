"""The form of an organisation, for those who manage them (`registre.manage_organisations`).

The SIRET is checked (format, control key, not already used) and looked up in the Insee's
administrative division (`core/collectivites.py`): the page says what it is (a commune, an
intercommunality…) and its region, derived, never typed. Errors say which field and what is
expected, in plain words.
"""

from django import forms

from territoria.core.collectivites import region_of
from territoria.core.models import Organisation
from territoria.core.siret import normalize_siret, siret_error

ERRORS = {
    "required": "Ce champ est obligatoire.",
    "invalid_choice": "Choisissez une valeur dans la liste.",
}


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "siret", "type", "contact_email", "logo_url", "latitude", "longitude"]
        labels = {
            "name": "Nom",
            "type": "Type de collectivité",
            "latitude": "Latitude du siège",
            "longitude": "Longitude du siège",
        }
        help_texts = {
            "name": "Le nom officiel, par exemple « Ville de Lyon » ou « Métropole de Lyon ».",
            "siret": "14 chiffres (les espaces sont acceptés), par exemple 213 800 020 00019. "
            "La région en est déduite.",
            "latitude": "Facultatif, en degrés décimaux (WGS 84), par exemple 45,7640 : place "
            "l'organisation sur la carte du registre.",
            "longitude": "Facultatif, en degrés décimaux, par exemple 4,8357.",
            "logo_url": "Facultatif : adresse web complète commençant par https://.",
        }
        error_messages = {
            "name": {"required": "Indiquez le nom de l'organisation."},
            "siret": {
                "required": "Le SIRET est obligatoire (14 chiffres) : il identifie "
                "l'organisation et donne sa région."
            },
            "type": {
                "required": "Choisissez le type de collectivité.",
                "invalid_choice": "Choisissez le type de collectivité dans la liste.",
            },
            "contact_email": {
                "invalid": "Saisissez une adresse e-mail valide, par exemple "
                "service.numerique@ma-ville.fr."
            },
            "logo_url": {
                "invalid": "Saisissez une adresse web complète commençant par https://, par "
                "exemple https://www.ma-ville.fr/logo.png."
            },
            "latitude": {
                "invalid": "Saisissez un nombre, par exemple 45,7640.",
                "min_value": "La latitude est comprise entre -90 et 90.",
                "max_value": "La latitude est comprise entre -90 et 90.",
            },
            "longitude": {
                "invalid": "Saisissez un nombre, par exemple 4,8357.",
                "min_value": "La longitude est comprise entre -180 et 180.",
                "max_value": "La longitude est comprise entre -180 et 180.",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Typed with spaces ("213 800 020 00019"): 17 characters, normalised in clean_siret.
        siret = self.fields["siret"]
        siret.max_length = 20
        siret.validators = []
        siret.widget.attrs.update(maxlength="20", inputmode="numeric", autocomplete="off")
        self.fields["type"].choices = [("", "Choisissez un type")] + list(
            self.fields["type"].choices
        )[1:]
        for name in ("latitude", "longitude"):
            self.fields[name].localize = True
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        foreign = self.instance.pk and self.instance.country != "FR"
        self.fields["siret"].required = not foreign
        if foreign:
            self.fields[
                "siret"
            ].help_text = (
                f"Organisation étrangère ({self.instance.country}) : pas de SIRET obligatoire."
            )

    def clean_siret(self):
        raw = self.cleaned_data.get("siret")
        if not normalize_siret(raw) and not self.fields["siret"].required:
            return None
        error = siret_error(raw)
        if error:
            raise forms.ValidationError(error)
        siret = normalize_siret(raw)
        other = Organisation.objects.filter(siret=siret).exclude(pk=self.instance.pk).first()
        if other is not None:
            raise forms.ValidationError(
                f"Le SIRET {siret} est déjà celui de l'organisation « {other.name} » : "
                "modifiez-la plutôt que d'en créer une seconde."
            )
        return siret

    def _post_clean(self):
        # The model's clean() says again "SIRET obligatoire" when the field already has its
        # reason: one message per problem.
        siret_errors = list(self._errors.get("siret", []))
        super()._post_clean()
        if siret_errors:
            self._errors["siret"] = self.error_class(siret_errors)

    def validate_unique(self):
        # The SIRET's uniqueness is checked in clean_siret, in plain words.
        exclude = self._get_validation_exclusions()
        exclude.add("siret")
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as error:
            self._update_errors(error)

    def siren_lookup(self) -> str:
        """What the administrative division says of the SIRET typed, in one sentence."""
        siret = normalize_siret(self.data.get("siret") if self.is_bound else self.instance.siret)
        if not siret or siret_error(siret):
            return ""
        found = region_of(siret, self.data.get("name", "") if self.is_bound else "")
        if found is None:
            return (
                f"Le SIREN {siret[:9]} ne figure pas dans le découpage administratif de l'Insee "
                "(ce n'est ni une commune ni une intercommunalité connue) : la région restera "
                "« non déterminée »."
            )
        return f"SIREN {siret[:9]} reconnu : {found.how}, région {found.name}."
