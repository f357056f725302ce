"""SUMO networks: import a .net.xml, or build one from a local OSM extract with netconvert;
the elements the pages draw (edges, junctions, light programs) in the network's own
coordinates (metres)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.db import transaction

from territoria.mobilite import sumo
from territoria.mobilite.models import Network


class NetworkError(Exception):
    pass


def pbf_to_osm(source: Path, target: Path) -> None:
    """An .osm.pbf extract as OSM XML (netconvert reads XML), through osmium."""
    import osmium

    writer = osmium.SimpleWriter(str(target), overwrite=True)

    class Copy(osmium.SimpleHandler):
        def node(self, n):
            writer.add_node(n)

        def way(self, w):
            writer.add_way(w)

        def relation(self, r):
            writer.add_relation(r)

    try:
        Copy().apply_file(str(source))
    except RuntimeError as error:
        raise NetworkError(f"{source.name} : extrait OSM illisible ({error}).") from error
    finally:
        writer.close()


def build_from_osm(source: Path, target: Path) -> None:
    """netconvert on a local OSM extract: roads for cars, lights guessed from OSM signals."""
    work = Path(tempfile.mkdtemp(prefix="mobilite-osm-"))
    try:
        osm = source
        if source.name.endswith(".pbf"):
            osm = work / "extrait.osm"
            pbf_to_osm(source, osm)
        typemap = sumo.sumo_home() / "data" / "typemap" / "osmNetconvert.typ.xml"
        sumo.run(
            [
                "netconvert",
                "--osm-files", str(osm),
                "--type-files", str(typemap),
                "--geometry.remove", "--ramps.guess", "--junctions.join",
                "--tls.guess-signals", "--tls.discard-simple", "--tls.join",
                "--tls.default-type", "static",
                "--keep-edges.by-vclass", "passenger",
                "--remove-edges.isolated", "--output.street-names",
                "--no-warnings",
                "-o", str(target),
            ]
        )  # fmt: skip
    except sumo.SumoError as error:
        raise NetworkError(f"{source.name} refusé par netconvert : {error}") from error
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _check_not_empty(source.name, target)


def normalise_net(source: Path, target: Path) -> None:
    """A .net.xml read and written again by netconvert: what it refuses is refused here."""
    try:
        sumo.run(["netconvert", "--sumo-net-file", str(source), "--no-warnings", "-o", str(target)])
    except sumo.SumoError as error:
        raise NetworkError(f"{source.name} refusé par netconvert : {error}") from error
    _check_not_empty(source.name, target)


def _check_not_empty(name: str, target: Path) -> None:
    import sumolib

    if not target.exists() or not sumolib.net.readNet(str(target)).getEdges():
        raise NetworkError(f"{name} : aucune route pour voitures dans ce fichier.")


def elements(net_file: Path) -> tuple[dict, dict, str]:
    """(elements, counts, projection) of a network, for the map and the forms."""
    import sumolib

    net = sumolib.net.readNet(str(net_file), withPrograms=True)
    edges = []
    lanes = 0
    for edge in net.getEdges():
        shape = [[round(x, 1), round(y, 1)] for x, y in edge.getShape()]
        lanes += edge.getLaneNumber()
        edges.append(
            [
                edge.getID(),
                edge.getName() or "",
                edge.getLaneNumber(),
                round(edge.getSpeed() * 3.6),
                shape,
            ]
        )
    junctions = [
        [n.getID(), n.getType(), round(n.getCoord()[0], 1), round(n.getCoord()[1], 1)]
        for n in net.getNodes()
        if n.getType() != "dead_end"
    ]
    tls = {}
    for light in net.getTrafficLights():
        programs = light.getPrograms()
        if not programs:
            continue
        program_id, program = next(iter(programs.items()))
        tls[light.getID()] = {
            "program": program_id,
            "phases": [[int(p.duration), p.state] for p in program.getPhases()],
            "junctions": sorted(
                {
                    link[0].getEdge().getToNode().getID()
                    for links in light.getLinks().values()
                    for link in links
                }
            ),
        }
    counts = {
        "tronçons": len(edges),
        "voies": lanes,
        "carrefours": len(junctions),
        "feux": len(tls),
    }
    projection = getattr(net, "_location", {}).get("projParameter", "")
    if projection == "!":
        projection = ""
    return {"edges": edges, "junctions": junctions, "tls": tls}, counts, projection


def import_network(path: Path, name: str = "", organisation=None, source_name: str = "") -> Network:
    """A network from `path` (.net.xml, .osm, .osm.pbf): all or nothing."""
    path = Path(path)
    source_name = source_name or path.name
    lower = source_name.lower()
    work = Path(tempfile.mkdtemp(prefix="mobilite-net-"))
    try:
        target = work / "network.net.xml"
        if lower.endswith(".net.xml"):
            normalise_net(path, target)
        elif lower.endswith((".osm", ".osm.xml", ".osm.pbf", ".pbf")):
            build_from_osm(path, target)
        else:
            raise NetworkError(
                f"{source_name} : format inconnu (attendu : réseau SUMO .net.xml ou extrait "
                "OpenStreetMap .osm / .osm.pbf)."
            )
        found, counts, projection = elements(target)
        with transaction.atomic():
            network = Network.objects.create(
                name=name or source_name.split(".")[0],
                organisation=organisation,
                source_name=source_name,
                projection=projection,
                counts=counts,
                elements=found,
            )
            network.folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, network.net_file)
        return network
    finally:
        shutil.rmtree(work, ignore_errors=True)


def geojson(network: Network, highlight: dict[str, tuple[str, str]] | None = None) -> dict:
    """Features in the network's own coordinates (x east, y north, metres): the map draws them
    on a plain plane (Leaflet CRS.Simple), with no tile. `highlight`: {edge: (colour, label)}."""
    highlight = highlight or {}
    features = []
    tls_junctions = {
        j for t in network.elements.get("tls", {}).values() for j in t.get("junctions", [])
    }
    for edge_id, name, lanes, speed, shape in network.elements.get("edges", []):
        colour, note = highlight.get(edge_id, ("", ""))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": shape},
                "properties": {
                    "label": f"{name or 'Tronçon'} ({edge_id})",
                    "detail": f"{lanes} voie(s), {speed} km/h" + (f" ; {note}" if note else ""),
                    "colour": colour or "map-road",
                    "weight": 1 + lanes,
                },
            }
        )
    for junction_id, kind, x, y in network.elements.get("junctions", []):
        if junction_id not in tls_junctions and kind != "traffic_light":
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [x, y]},
                "properties": {"label": f"Carrefour à feux {junction_id}", "colour": "danger"},
            }
        )
    return {"type": "FeatureCollection", "features": features}
