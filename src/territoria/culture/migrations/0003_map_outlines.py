"""The outline drawn on maps (simplified with its neighbours), filled for communes already
imported; a commune whose département does not form a valid coverage keeps None (full outline)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from territoria.culture import geo

    Commune = apps.get_model("culture", "Commune")
    departements = Commune.objects.values_list("departement", flat=True).distinct()
    for departement in list(departements):
        communes = list(Commune.objects.filter(departement=departement))
        simplified = geo.simplify_coverage({c.code: c.geometry for c in communes})
        for commune in communes:
            commune.map_geometry = simplified[commune.code]
        Commune.objects.bulk_update(communes, ["map_geometry"], batch_size=200)


class Migration(migrations.Migration):
    dependencies = [
        ("culture", "0002_surveys"),
    ]

    operations = [
        migrations.AddField(
            model_name="commune",
            name="map_geometry",
            field=models.JSONField(
                blank=True, null=True, verbose_name="contour simplifié pour les cartes"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
