from django import forms

from territoria.plantabilite.factors import FACTORS, MAX_WEIGHT, MIN_WEIGHT
from territoria.plantabilite.models import FACTOR_CHOICES, NeedLayer


class LayerUploadForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier SIG",
        help_text="GeoPackage (.gpkg), GeoJSON (.geojson), Shapefile zippé (.zip), CSV avec "
        "une colonne WKT (.csv), ou extrait OpenStreetMap (.osm.pbf : toutes ses couches, "
        "selon la correspondance des étiquettes ; nom et facteur ignorés).",
    )
    nom = forms.CharField(label="Nom de la couche", max_length=200, required=False)
    facteur = forms.ChoiceField(
        label="Facteur", choices=[("", "—"), *FACTOR_CHOICES], required=False
    )
    tampon = forms.FloatField(
        label="Distance tampon (m)",
        required=False,
        min_value=0,
        max_value=100,
        help_text="Vide : la valeur par défaut du facteur (2 m pour les réseaux enterrés).",
    )
    crs = forms.CharField(
        label="Système de coordonnées, si le fichier ne le dit pas",
        required=False,
        max_length=80,
        help_text="Par exemple EPSG:2154 (Lambert-93).",
    )
    detenteur = forms.CharField(label="Détenteur des données", max_length=200)
    provenance = forms.CharField(
        label="Provenance", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    date = forms.DateField(
        label="Date des données", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    restreinte = forms.BooleanField(label="Couche d'opérateur réservée aux agents", required=False)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("fichier")
        if upload and not upload.name.lower().endswith(".pbf"):
            for name, label in (("nom", "le nom"), ("facteur", "le facteur")):
                if not cleaned.get(name):
                    self.add_error(name, f"Indiquez {label} de la couche.")
        return cleaned


class ProfileForm(forms.Form):
    nom = forms.CharField(label="Nom du profil", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, weights=None, **kwargs):
        super().__init__(*args, **kwargs)
        for factor in FACTORS:
            self.fields[f"poids_{factor.key}"] = forms.IntegerField(
                label=factor.label,
                min_value=MIN_WEIGHT,
                max_value=MAX_WEIGHT,
                initial=(weights or {}).get(factor.key, factor.weight),
                error_messages={
                    "min_value": f"Poids entre {MIN_WEIGHT} et +{MAX_WEIGHT}.",
                    "max_value": f"Poids entre {MIN_WEIGHT} et +{MAX_WEIGHT}.",
                },
            )

    def weights(self) -> dict[str, int]:
        return {f.key: self.cleaned_data[f"poids_{f.key}"] for f in FACTORS}


class ProfileEditForm(ProfileForm):
    """A change of an existing profile's weights: a new version, with its reason."""

    motif = forms.CharField(
        label="Motif du changement",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple : « réunion du 12 mars avec GRDF : gaz à −2 ».",
    )

    def __init__(self, *args, profile=None, **kwargs):
        super().__init__(*args, weights=profile.weights if profile else None, **kwargs)
        self.profile = profile
        del self.fields["nom"], self.fields["description"]
        self.order_fields(["motif"])

    def clean(self):
        cleaned = super().clean()
        if (
            self.profile is not None
            and not self.errors
            and self.weights() == {f.key: self.profile.weights.get(f.key, 0) for f in FACTORS}
        ):
            raise forms.ValidationError(
                "Aucun poids n'a changé : la version actuelle est conservée."
            )
        return cleaned


class AgreementForm(forms.Form):
    facteurs = forms.MultipleChoiceField(
        label="Facteurs concernés",
        required=False,
        choices=[(f.key, f.label) for f in FACTORS],
        widget=forms.CheckboxSelectMultiple,
        help_text="Ceux sur lesquels la partie s'engage (GRDF : le réseau de gaz) ; aucun coché : "
        "tous les poids du profil.",
    )
    partie = forms.CharField(label="Partie (opérateur, service)", max_length=200)
    personne = forms.CharField(label="Personne", max_length=200, required=False)
    date = forms.DateField(label="Date de l'accord", widget=forms.DateInput(attrs={"type": "date"}))
    remarque = forms.CharField(
        label="Remarque", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AreaForm(forms.Form):
    """A rectangle in the territory's CRS (drawn on the map, or typed)."""

    xmin = forms.FloatField(label="X min", required=False)
    ymin = forms.FloatField(label="Y min", required=False)
    xmax = forms.FloatField(label="X max", required=False)
    ymax = forms.FloatField(label="Y max", required=False)

    def area(self):
        values = [self.cleaned_data.get(k) for k in ("xmin", "ymin", "xmax", "ymax")]
        if all(v is None for v in values):
            return None
        if any(v is None for v in values):
            raise forms.ValidationError("Donnez les quatre coordonnées de la zone, ou aucune.")
        if values[2] <= values[0] or values[3] <= values[1]:
            raise forms.ValidationError(
                "La zone est vide : X max doit dépasser X min, Y max Y min."
            )
        return tuple(values)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            self.area()
        return cleaned


class ComputationForm(AreaForm):
    profil = forms.ModelChoiceField(label="Profil de poids", queryset=None, empty_label=None)
    publique = forms.BooleanField(label="Publier le résultat", required=False, initial=True)
    zone = forms.ModelChoiceField(
        label="Zone de plantation",
        queryset=None,
        required=False,
        empty_label="— aucune (rectangle ci-dessous, ou tout le territoire)",
        help_text="Seules les mailles dont le centre est dans le polygone reçoivent une classe ; "
        "les autres restent sans valeur (transparentes, absentes des exports).",
    )

    def __init__(self, *args, territory=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profil"].queryset = territory.profiles.all()
        self.fields["zone"].queryset = territory.zones.all()
        self.order_fields(["profil", "publique", "zone", "xmin", "ymin", "xmax", "ymax"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("zone") and any(
            cleaned.get(k) is not None for k in ("xmin", "ymin", "xmax", "ymax")
        ):
            raise forms.ValidationError(
                "Choisissez une zone de plantation ou un rectangle, pas les deux."
            )
        return cleaned

    def area(self):
        zone = self.cleaned_data.get("zone")
        if zone is not None:
            return tuple(float(v) for v in zone.geometry.bounds)
        return super().area()


class SitesForm(AreaForm):
    classe_min = forms.IntegerField(
        label="Classe minimale", min_value=1, max_value=10, initial=7, required=False
    )
    mailles_min = forms.IntegerField(
        label="Taille minimale (mailles de 5 m)",
        min_value=1,
        max_value=10000,
        initial=4,
        required=False,
    )


class SensitivityForm(forms.Form):
    facteur = forms.ChoiceField(label="Facteur", choices=FACTOR_CHOICES)
    poids = forms.IntegerField(label="Nouveau poids", min_value=MIN_WEIGHT, max_value=MAX_WEIGHT)


class PlantingForm(forms.Form):
    site = forms.CharField(label="Site", max_length=200, required=False)
    x = forms.FloatField(label="X")
    y = forms.FloatField(label="Y")
    arbres = forms.IntegerField(label="Arbres plantés", min_value=1, max_value=100000)
    date = forms.DateField(
        label="Date de plantation", widget=forms.DateInput(attrs={"type": "date"})
    )


class PlantingImportForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier des plantations (CSV ou GeoJSON)",
        help_text="L'export CSV des sites complété par les équipes (colonnes « arbres_plantes » "
        "et « date_plantation » sur les lignes des sites plantés), ou tout CSV avec les colonnes "
        "x, y (ou lon, lat), arbres_plantes, date_plantation (AAAA-MM-JJ ou JJ/MM/AAAA) et "
        "site (facultative) ; ou un GeoJSON de points avec ces propriétés.",
    )
    crs = forms.CharField(
        label="Système de coordonnées de x, y (facultatif)",
        max_length=60,
        required=False,
        help_text="Par défaut celui du territoire ; lon, lat sont en WGS 84.",
    )


class ZoneDrawForm(forms.Form):
    nom = forms.CharField(label="Nom de la zone", max_length=200)
    sommets = forms.CharField(
        label="Sommets du polygone",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Un sommet par ligne, « X Y » dans le système de travail du territoire ; "
        "cliquez sur la carte pour les ajouter.",
    )


class ZoneImportForm(forms.Form):
    nom = forms.CharField(label="Nom de la zone", max_length=200)
    fichier = forms.FileField(
        label="Fichier GeoJSON",
        help_text="Polygones en longitude/latitude WGS 84 (.geojson), comme le produit un SIG.",
    )


class NeedUploadForm(forms.Form):
    besoin = forms.ChoiceField(label="Besoin", choices=NeedLayer.Kind.choices)
    fichier = forms.FileField(
        label="Raster (GeoTIFF)",
        help_text="Une bande : température de surface (°C ou K) ou densité de population "
        "(habitants par pixel ou par km²) ; plus la valeur est haute, plus le besoin l'est.",
    )
    nom = forms.CharField(label="Nom", max_length=200)
    crs = forms.CharField(
        label="Système de coordonnées, si le fichier ne le dit pas",
        required=False,
        max_length=80,
        help_text="Par exemple EPSG:2154 (Lambert-93).",
    )
    detenteur = forms.CharField(label="Détenteur des données", max_length=200)
    provenance = forms.CharField(
        label="Provenance", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    date = forms.DateField(
        label="Date des données", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
