"""The mobility module's restricted values for the leak crawler (declared in apps.py; tests only).

A road network, its scenarios, its simulations and an accident file belong to one
organisation: their names are seen by that organisation's agents only. The crawl requests every
route with their ids as an anonymous reader and as an agent of another organisation, and must
find none of them; the organisation's own agent (the witness) finds them.
"""

from territoria.core.models import Role, User
from territoria.core.modules import Canaries
from territoria.mobilite.models import AccidentImport, Job, JobStatus, Network, Scenario
from territoria.registre.factories import OrganisationFactory


def plant(needle) -> Canaries:
    org = OrganisationFactory(name="Ville de Bouchonville")
    other = OrganisationFactory(name="Communauté témoin des mobilités")
    witness = User.objects.create_user(
        "mobilite-temoin", password="motdepasse-test-1", role=Role.AGENT, organisation=org
    )
    outsider = User.objects.create_user(
        "mobilite-etranger", password="motdepasse-test-1", role=Role.AGENT, organisation=other
    )
    network = Network.objects.create(
        name=f"Réseau {needle('mobnetwork')}",
        organisation=org,
        source_name="bouchonville.net.xml",
        counts={"tronçons": 1},
        elements={
            "edges": [["E1", "Rue du Marché", 1, 50, [[0, 0], [100, 0]]]],
            "junctions": [],
            "tls": {},
        },
    )
    scenario = Scenario.objects.create(
        network=network,
        name=f"Travaux {needle('mobscenario')}",
        changes=[{"type": "close_edge", "edge": "E1"}],
    )
    job = Job.objects.create(
        kind="scenario",
        network=network,
        scenario=scenario,
        status=JobStatus.FAILED,
        message=f"Échec {needle('mobjob')}",
    )
    AccidentImport.objects.create(
        organisation=org, file_name=f"{needle('mobaccidents')}.csv", layout="depuis 2019"
    )
    needles = {
        needle("mobnetwork"): "name of an organisation's road network",
        needle("mobscenario"): "name of a roadworks scenario",
        needle("mobjob"): "message of a simulation",
        needle("mobaccidents"): "file name of an organisation's accident import",
    }
    pages = [
        "/mobilite/",
        f"/mobilite/reseaux/{network.pk}/",
        f"/mobilite/simulations/{job.pk}/",
        "/mobilite/accidents/",
    ]
    return Canaries(
        needles=needles,
        proof=list(needles),
        witness=witness,
        outsider=outsider,
        witness_seeds=pages,
        ids=[str(network.pk), str(scenario.pk), str(job.pk)],
        focus=[str(network.pk), str(job.pk)],
        seeds=pages,
        must_visit=pages[1:3],
    )
