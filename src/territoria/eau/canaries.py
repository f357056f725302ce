"""The water module's restricted values for the leak crawler (declared in apps.py; tests only).

A network belongs to one organisation's water service: its name, its zones' names, its
imported files and its alerts (with the reason an agent gave to dismiss one), and the follow-up
it gave to a non-compliant water analysis (the result itself is public), are seen by that
organisation's agents only. The crawl requests every route with the ids of those objects as an
anonymous reader and as an agent of another organisation, and must find none of them; the
organisation's own agent (the witness) finds them.
"""

import datetime as dt

from django.utils import timezone

from territoria.core.models import Role, User
from territoria.core.modules import Canaries
from territoria.eau.models import Alert, AlertStatus, Network, QualitySample, Zone
from territoria.registre.factories import OrganisationFactory


def plant(needle) -> Canaries:
    org = OrganisationFactory(name="Régie des eaux de Fuiteville")
    other = OrganisationFactory(name="Syndicat des eaux témoin")
    witness = User.objects.create_user(
        "eau-temoin", password="motdepasse-test-1", role=Role.AGENT, organisation=org
    )
    outsider = User.objects.create_user(
        "eau-etranger", password="motdepasse-test-1", role=Role.AGENT, organisation=other
    )
    network = Network.objects.create(
        name=f"Réseau {needle('eaunetwork')}",
        organisation=org,
        source_name="fuiteville.inp",
        counts={"canalisations": 1},
        elements={
            "nodes": {"R": [0, 0, "Reservoir", ""], "J": [10, 0, "Junction", "A"]},
            "links": [["p1", "R", "J", "Pipe", 100, 10.0, "A", ""]],
        },
    )
    zone = Zone.objects.create(
        network=network, code="A", name=f"Quartier {needle('eauzone')}", node_count=1
    )
    raised = timezone.make_aware(dt.datetime(2019, 3, 4, 4), dt.UTC)
    alert = Alert.objects.create(
        network=network,
        zone="A",
        raised_at=raised,
        start_estimate=raised - dt.timedelta(hours=6),
        flow_m3h=7.5,
        status=AlertStatus.DISMISSED,
        reason=f"Essai {needle('eaureason')}",
    )
    sample = QualitySample.objects.create(
        commune="Fuiteville",
        place="Château d'eau",
        sampled_at=raised,
        parameter="Nitrates",
        value=61.0,
        unit="mg/L",
        compliant=False,
        verdict="61 mg/L > limite de qualité 50 mg/L",
        organisation=org,
        handled_at=raised,
        handled_by=witness,
        handling_note=f"Suite {needle('eauquality')}",
    )
    needles = {
        needle("eaunetwork"): "name of an organisation's water network",
        needle("eauzone"): "name of a hydraulic zone",
        needle("eaureason"): "reason an agent gave to dismiss a leak alert",
        needle("eauquality"): "follow-up an agent gave to a non-compliant water analysis",
    }
    return Canaries(
        needles=needles,
        proof=list(needles),
        witness=witness,
        outsider=outsider,
        witness_seeds=[
            "/eau/",
            "/eau/qualite/",
            f"/eau/reseaux/{network.pk}/",
            f"/eau/alertes/{alert.pk}/",
        ],
        ids=[str(network.pk), str(zone.pk), str(alert.pk), str(sample.pk)],
        focus=[str(network.pk), str(alert.pk)],
        # The shared id pool is capped per URL slot: the pages of the planted objects are
        # seeded directly so that the crawl surely requests them.
        seeds=[
            "/eau/",
            "/eau/qualite/",
            "/eau/qualite/commune/Fuiteville/",
            f"/eau/reseaux/{network.pk}/",
            f"/eau/alertes/{alert.pk}/",
            f"/eau/reseaux/{network.pk}/?mois=2019-03",
        ],
        must_visit=[f"/eau/reseaux/{network.pk}/", f"/eau/alertes/{alert.pk}/"],
    )
