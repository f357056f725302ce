"""Fill the region of the organisations saved before it was derived from their SIRET.

Read from the package `@etalab/decoupage-administratif` (core/collectivites.py); without the
package (not installed), nothing changes and `Organisation.save()` fills it later.
"""

from django.db import migrations


def fill_regions(apps, schema_editor):
    from territoria.core.collectivites import region_of

    Organisation = apps.get_model("core", "Organisation")
    for organisation in Organisation.objects.filter(country="FR").exclude(siret=None):
        found = region_of(organisation.siret, organisation.name)
        if found is not None and found.name != organisation.region:
            Organisation.objects.filter(pk=organisation.pk).update(region=found.name)


class Migration(migrations.Migration):
    dependencies = [
        ("registre", "0007_search_tokens_are_capabilities"),
        ("core", "0005_periodic_runs_and_worker_heartbeats"),
    ]

    operations = [migrations.RunPython(fill_regions, migrations.RunPython.noop)]
