"""The sections of an EPANET model that WNTR reads without naming a line, or imports even
when wrong ([RULES], [CONTROLS], [ENERGY], [REACTIONS], [SOURCES], [EMITTERS], [QUALITY],
[STATUS], [MIXING], [TAGS], [DEMANDS], [TIMES], [OPTIONS], [REPORT], the values of [PIPES],
[PUMPS] and [VALVES], valves EPANET forbids to connect, check valves and GPVs set by a
control): a bad line is refused by `check_inp` with its line, section and column, and the
import writes nothing. Each bad file is `sections.inp` (valid, every
section) with one line changed; EPANET 2.2 itself refuses each of them (the slow test runs
its toolkit, shipped with WNTR), and accepts `sections.inp`."""

import re
from pathlib import Path

import pytest

from territoria.eau import inp_check, network
from territoria.eau.models import Network, Zone

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"
SECTIONS = (FIXTURES / "sections.inp").read_text()

# A bad line a row: the section and the column the message names (- for none) | the line
# of sections.inp it replaces (its words) | the bad line | what the message says after the
# column. Every row is refused by EPANET 2.2 too (test_epanet_itself_…, below).
BAD = [
    row.split(" | ")
    for row in """
RULES 1 | IF TANK T1 LEVEL ABOVE 4.5 | WHEN TANK T1 LEVEL ABOVE 4.5 | : « WHEN » n'est pas un mot de règle (RULE, IF, AND, OR, THEN, ELSE, PRIORITY ou DISABLED).
RULES 1 | PRIORITY 2 | OR JUNCTION J2 PRESSURE < 20 | : « OR » n'est pas à sa place
RULES - | RULE 2 | RULE 2 bis | : 3 champs au lieu de 2 (RULE nom
RULES - | IF LINK P1 STATUS = OPEN | IF LINK P1 STATUS = OPEN NOW | : 7 champs au lieu de 5 ou 6
RULES 2 | IF TANK T1 LEVEL ABOVE 4.5 | IF CUVE T1 LEVEL ABOVE 4.5 | (« objet ») : « CUVE » n'est pas un objet de règle (JUNCTION, RESERVOIR, TANK, NODE,
RULES 3 | IF TANK T1 LEVEL ABOVE 4.5 | IF TANK T9 LEVEL ABOVE 4.5 | : le nœud « T9 » n'est déclaré dans aucune section [JUNCTIONS], [RESERVOIRS] ou [TANKS].
RULES 3 | THEN PUMP PU1 STATUS IS CLOSED | THEN PUMP PU9 STATUS IS CLOSED | : le tronçon « PU9 » n'est déclaré dans aucune section [PIPES], [PUMPS] ou [VALVES].
RULES 4 | IF TANK T1 LEVEL ABOVE 4.5 | IF TANK T1 NIVEAU ABOVE 4.5 | (« attribut ») : « NIVEAU » n'est pas un attribut de TANK (DEMAND, HEAD, GRADE, LEVEL,
RULES 4 | OR JUNCTION J2 PRESSURE < 20 | OR JUNCTION J2 FILLTIME < 20 | (« attribut ») : « FILLTIME » n'est pas un attribut de JUNCTION (DEMAND, HEAD, GRADE, LEVEL ou PRESSURE).
RULES 5 | IF TANK T1 LEVEL ABOVE 4.5 | IF TANK T1 LEVEL DESSUS 4.5 | (« relation ») : « DESSUS » n'est pas une relation (=, <>, <=, >=, <, >, IS, NOT,
RULES 6 | IF TANK T1 LEVEL ABOVE 4.5 | IF TANK T1 LEVEL ABOVE haut | (« valeur ») : « haut » n'est pas un nombre.
RULES 5 | AND SYSTEM CLOCKTIME >= 20 | AND SYSTEM CLOCKTIME >= 13 PM | : « 13 PM » n'est pas une heure ni une durée
RULES - | AND VALVE V1 SETTING IS 25 | AND VALVE V1 SETTING IS | : 5 champs au lieu de 6 (THEN LINK nom STATUS IS valeur).
RULES 6 | AND VALVE V1 SETTING IS 25 | AND VALVE V1 SETTING IS -25 | (« valeur ») : « -25 » : attendu au moins 0.
RULES 2 | PRIORITY 2 | PRIORITY haute | (« priorité ») : « haute » n'est pas un nombre.
CONTROLS 2 | LINK PU1 CLOSED IF NODE T1 ABOVE 3.9000 | LINK PU9 CLOSED IF NODE T1 ABOVE 3.9 | : le tronçon « PU9 » n'est déclaré dans aucune section
CONTROLS 3 | LINK PU1 CLOSED IF NODE T1 ABOVE 3.9000 | LINK PU1 FERME IF NODE T1 ABOVE 3.9 | (« réglage ») : « FERME » n'est pas un nombre.
CONTROLS 6 | LINK PU1 CLOSED IF NODE T1 ABOVE 3.9000 | LINK PU1 CLOSED IF NODE T9 ABOVE 3.9 | : le nœud « T9 » n'est déclaré dans aucune section
CONTROLS 7 | LINK PU1 CLOSED IF NODE T1 ABOVE 3.9000 | LINK PU1 CLOSED IF NODE T1 OVER 3.9 | : « OVER » n'est pas une comparaison (BELOW ou ABOVE).
CONTROLS 8 | LINK PU1 CLOSED IF NODE T1 ABOVE 3.9000 | LINK PU1 CLOSED IF NODE T1 ABOVE haut | (« niveau ou pression ») : « haut » n'est pas un nombre.
CONTROLS - | LINK PU1 CLOSED IF NODE T1 ABOVE 3.9000 | LINK PU1 CLOSED IF NODE T1 | : 6 champs au lieu d'au moins 8 (LINK nom état IF NODE nom ABOVE/BELOW valeur).
CONTROLS 6 | LINK P1 OPEN AT CLOCKTIME 6 AM | LINK P1 OPEN AT CLOCKTIME 13 PM | : « 13 PM » n'est pas une heure ni une durée
ENERGY 1 | Global Price 0 | Local Price 0 | : « Local » n'est pas une ligne de [ENERGY] (DEMAND, GLOBAL ou PUMP).
ENERGY 2 | Pump PU1 Price 0.15 | Pump PU9 Price 0.15 | : la pompe « PU9 » n'est déclarée dans aucune section [PUMPS].
ENERGY 2 | Pump PU1 Price 0.15 | Pump P1 Price 0.15 | : la pompe « P1 » n'est déclarée dans aucune section [PUMPS].
ENERGY 3 | Pump PU1 Price 0.15 | Pump PU1 Cost 0.15 | : « Cost » n'est pas un paramètre d'énergie (PRICE, PATTERN ou EFFICIENCY).
ENERGY 4 | Pump PU1 Price 0.15 | Pump PU1 Price -1 | (« prix ») : « -1 » : attendu au moins 0.
ENERGY 3 | Global Pattern PRICE1 | Global Pattern PRICE9 | : le motif « PRICE9 » n'est déclaré dans aucune section [PATTERNS].
ENERGY 4 | Pump PU1 Efficiency E1 | Pump PU1 Efficiency E9 | : la courbe « E9 » n'est déclarée dans aucune section [CURVES].
ENERGY 3 | Global Efficiency 75.0000 | Global Efficiency 0 | (« rendement ») : « 0 » : attendu plus de 0.
ENERGY 3 | Demand Charge 0.0000 | Demand Charge zero | (« charge de puissance ») : « zero » n'est pas un nombre.
REACTIONS 1 | Order Bulk 1.00 | Ordre Bulk 1 | : « Ordre » n'est pas une ligne de [REACTIONS] (ORDER, ROUGHNESS, LIMITING, GLOBAL,
REACTIONS 3 | Global Bulk -0.5 | Global Bulk -0,5 | (« coefficient ») : « -0,5 » n'est pas un nombre.
REACTIONS 3 | Order Wall 1 | Order Wall 2 | : « 2 » : une réaction de paroi est d'ordre 0 ou 1.
REACTIONS 2 | Order Bulk 1.00 | Order Pipe 1 | : « Pipe » n'est pas une réaction (BULK, WALL ou TANK).
REACTIONS 2 | Global Wall 0.000000 | Global Tank 0 | : « Tank » n'est pas une réaction globale (BULK ou WALL).
SOURCES 1 | R1 CONCEN 1.2 PAT1 | R9 CONCEN 1.2 PAT1 | : le nœud « R9 » n'est déclaré dans aucune section
SOURCES 2 | R1 CONCEN 1.2 PAT1 | R1 DOSE 1.2 PAT1 | (« type ») : « DOSE » n'est pas un type de source (CONCEN, MASS, SETPOINT ou FLOWPACED).
SOURCES 3 | J1 MASS 10 | J1 MASS dix | (« intensité ») : « dix » n'est pas un nombre.
SOURCES 4 | R1 CONCEN 1.2 PAT1 | R1 CONCEN 1.2 PAT9 | : le motif « PAT9 » n'est déclaré dans aucune section [PATTERNS].
EMITTERS 1 | J2 0.5 | J9 0.5 | : le nœud « J9 » n'est déclaré dans aucune section
EMITTERS 2 | J2 0.5 | J2 -0.5 | (« coefficient ») : « -0.5 » : attendu au moins 0.
QUALITY 1 | J1 0.5 | J9 0.5 | : le nœud « J9 » n'est déclaré dans aucune section
QUALITY 2 | J1 0.5 | J1 abc | (« qualité initiale ») : « abc » n'est pas un nombre.
STATUS 1 | V1 Open | V9 Open | : le tronçon « V9 » n'est déclaré dans aucune
STATUS 2 | V1 Open | V1 Ouvert | (« état ou réglage ») : « Ouvert » n'est pas un
MIXING 1 | T1 2COMP 0.5 | T9 2COMP 0.5 | : le nœud « T9 » n'est déclaré dans
MIXING 2 | T1 2COMP 0.5 | T1 MELANGE | (« modèle ») : « MELANGE » n'est pas un modèle de mélange (MIXED, 2COMP, FIFO ou LIFO).
MIXING 3 | T1 2COMP 0.5 | T1 2COMP demi | (« fraction ») : « demi » n'est pas un nombre.
TAGS 2 | NODE J1 Centre | NODE J9 Centre | : le nœud « J9 » n'est déclaré dans aucune
TAGS 2 | LINK P1 Fonte | LINK P9 Fonte | : le tronçon « P9 » n'est déclaré dans aucune
DEMANDS 1 | J2 0.5 PAT1 | J9 0.5 PAT1 | : le nœud « J9 » n'est déclaré dans aucune section
DEMANDS 2 | J2 0.5 PAT1 | J2 beaucoup PAT1 | (« demande ») : « beaucoup » n'est pas un nombre.
DEMANDS 3 | J2 0.5 PAT1 | J2 0.5 PAT9 | : le motif « PAT9 » n'est déclaré dans aucune section [PATTERNS].
TIMES 2 | Statistic NONE | Statistic MOYENNE | : « MOYENNE » n'est pas une statistique (NONE, NO, AVERAGE, MINIMUM, MAXIMUM ou RANGE).
TIMES 1 | Duration 168:00 | Duree 168:00 | : « Duree » n'est pas un paramètre de [TIMES] (DURATION, HYDRAULIC, QUALITY, RULE,
TIMES 2 | Pattern Start 0:00 | Pattern Debut 0:00 | : « Debut » n'est pas un paramètre de [TIMES] (TIMESTEP ou START).
TIMES 4 | Rule Timestep 1 MIN | Rule Timestep 1 LUSTRE | : « LUSTRE » n'est pas une durée
TIMES 1 | Statistic NONE | Minimum Traveltime 0 | : « Minimum Traveltime » ne sert plus dans EPANET et WNTR ne sait pas la lire : retirez cette ligne.
OPTIONS 2 | Viscosity 1.000000 | Viscosity abc | (« Viscosity ») : « abc » n'est pas un nombre.
OPTIONS 2 | Trials 50 | Trials 0 | (« Trials ») : « 0 » : attendu au moins 1.
OPTIONS 3 | Specific Gravity 1.000000 | Specific Gravity -1 | (« Specific Gravity ») : « -1 » : attendu plus de 0.
OPTIONS 2 | Unbalanced Continue 10 | Unbalanced Ignore | (« Unbalanced ») : « Ignore » n'est pas une suite à un calcul non équilibré (STOP ou
OPTIONS 3 | Pattern 1 | Demand Model XYZ | (« Demand Model ») : « XYZ » n'est pas un modèle de demande (DDA, PDA, DD ou PDD).
OPTIONS 2 | Pattern 1 | Pressure PASCAL | (« Pressure ») : « PASCAL » n'est pas une unité de pression (PSI, KPA, METERS, BAR ou
OPTIONS 3 | Quality Chlorine mg/L | Quality Trace J9 | : le nœud « J9 » n'est déclaré dans aucune section
OPTIONS 2 | Pattern 1 | Hydraulics Load hyd.bin | (« Hydraulics ») : « Load » n'est pas un usage du fichier hydraulique (USE ou SAVE).
PIPES 4 | P1 J1 J2 200 200 130 0 Open | P1 J1 J2 0 200 130 0 Open | (« longueur ») : « 0 » : attendu plus de 0.
PIPES 5 | P1 J1 J2 200 200 130 0 Open | P1 J1 J2 200 -200 130 0 Open | (« diamètre ») : « -200 » : attendu plus de 0.
PIPES 7 | P1 J1 J2 200 200 130 0 Open | P1 J1 J2 200 200 130 -1 Open | (« pertes singulières ») : « -1 » : attendu au moins 0.
PIPES 8 | P1 J1 J2 200 200 130 0 Open | P1 J1 J2 200 200 130 0 Ouvert | (« état ») : « Ouvert » n'est pas un état de conduite (OPEN, CLOSED ou CV).
PUMPS 3 | PU1 J6 T1 HEAD C1 | PU1 J6 J6 HEAD C1 | : le tronçon commence et finit au même nœud « J6 ».
PUMPS 5 | PU1 J6 T1 HEAD C1 | PU1 J6 T1 HEAD C9 | : la courbe « C9 » n'est déclarée dans aucune section [CURVES].
PUMPS 5 | PU1 J6 T1 HEAD C1 | PU1 J6 T1 POWER 0 | (« puissance ») : « 0 » : attendu plus de 0.
PUMPS 7 | PU1 J6 T1 HEAD C1 | PU1 J6 T1 HEAD C1 SPEED -1 | (« vitesse ») : « -1 » : attendu au moins 0.
PUMPS 7 | PU1 J6 T1 HEAD C1 | PU1 J6 T1 HEAD C1 PATTERN PAT9 | : le motif « PAT9 » n'est déclaré dans aucune section [PATTERNS].
PUMPS 6 | PU1 J6 T1 HEAD C1 | PU1 J6 T1 HEAD C1 VITESSE 1 | (« mot clé ») : « VITESSE » n'est pas un mot clé de pompe (POWER, HEAD, PATTERN ou SPEED).
PUMPS 5 | PU1 J6 T1 HEAD C1 | PU1 J6 T1 HEAD C2 | : la courbe « C2 » ne peut pas être la courbe caractéristique d'une pompe
PUMPS 5 | PU1 J6 T1 HEAD C1 | PU1 J6 T1 HEAD E1 PATTERN PAT1 | : la courbe « E1 » ne peut pas être la courbe caractéristique d'une pompe
PUMPS - | PU1 J6 T1 HEAD C1 | PU1 J6 T1 SPEED 1 | : la pompe n'a ni courbe caractéristique (HEAD courbe) ni puissance (POWER kW).
VALVES 6 | V1 J3 J4 100 PRV 30 0 | V1 J3 J4 100 PRV trente 0 | (« consigne ») : « trente » n'est pas un nombre.
VALVES 4 | V1 J3 J4 100 PRV 30 0 | V1 J3 J4 0 PRV 30 0 | (« diamètre ») : « 0 » : attendu plus de 0.
VALVES 3 | V1 J3 J4 100 PRV 30 0 | V1 J3 R1 100 PRV 30 0 | : une vanne PRV ne peut pas être reliée au réservoir ou à la bâche « R1 » (seulement à des jonctions).
VALVES 2 | V1 J3 J4 100 PRV 30 0 | V1 T1 J4 100 FCV 30 0 | : une vanne FCV ne peut pas être reliée au réservoir ou à la bâche « T1 »
VALVES 3 | V1 J3 J4 100 PRV 30 0 | V1 J3 J3 100 PRV 30 0 | : le tronçon commence et finit au même nœud « J3 ».
VALVES 6 | V2 J4 J5 100 GPV C2 0 | V2 J4 J5 100 GPV C9 0 | : la courbe « C9 » n'est déclarée dans aucune section [CURVES].
VALVES 2 | V2 J4 J5 100 GPV C2 0 | V2 J4 J5 100 PRV 30 0 | : la vanne PRV touche au nœud « J4 » la vanne PRV « V1 » déclarée plus haut
VALVES 3 | V2 J4 J5 100 GPV C2 0 | V2 J2 J4 100 PRV 30 0 | : la vanne PRV touche au nœud « J4 » la vanne PRV « V1 » déclarée plus haut
VALVES 2 | V2 J4 J5 100 GPV C2 0 | V2 J4 J5 100 PSV 30 0 | : la vanne PSV touche au nœud « J4 » la vanne PRV « V1 » déclarée plus haut
VALVES 2 | V2 J4 J5 100 GPV C2 0 | V2 J4 J5 100 FCV 30 0 | : la vanne FCV touche au nœud « J4 » la vanne PRV « V1 » déclarée plus haut
CONTROLS 2 | LINK P1 CLOSED AT TIME 12 | LINK P5 CLOSED AT TIME 12 | : la conduite « P5 » est un clapet (CV dans [PIPES]) : EPANET ne la laisse ni ouvrir ni fermer
CONTROLS 3 | LINK P1 CLOSED AT TIME 12 | LINK PU1 -1 AT TIME 12 | (« réglage ») : « -1 » : attendu au moins 0.
CONTROLS 3 | LINK V1 25 AT TIME 6:30 | LINK V2 25 AT TIME 6:30 | : « V2 » est une vanne GPV : son réglage est sa courbe de perte de charge
RULES 3 | THEN PIPE P2 STATUS IS OPEN | THEN PIPE P5 STATUS IS OPEN | : la conduite « P5 » est un clapet (CV dans [PIPES])
RULES 6 | THEN PIPE P2 STATUS IS OPEN | THEN VALVE V2 SETTING IS 25 | : « V2 » est une vanne GPV
STATUS 1 | V1 Open | P5 Closed | : la conduite « P5 » est un clapet (CV dans [PIPES])
STATUS 2 | V1 Open | V1 Active | (« état ou réglage ») : « Active » n'est pas un nombre.
STATUS 2 | V1 Open | V2 25 | : « V2 » est une vanne GPV
STATUS 2 | V1 Open | P1 P4 Closed | : « P1 P4 » est une plage de tronçons : EPANET l'applique à chaque tronçon
STATUS 2 | V1 Open | P1 P5 Closed | : « P1 P5 » est une plage de tronçons
REPORT 2 | Status No | Page 300 | (« lignes par page ») : « 300 » : attendu au plus 255.
REPORT 2 | Status No | Nodes J9 | : le nœud « J9 » n'est déclaré dans aucune section
REPORT 2 | Status No | Links P9 | : le tronçon « P9 » n'est déclaré dans aucune section
REPORT 1 | Status No | Rapport Yes | : « Rapport » n'est pas un mot de [REPORT] (PAGE, STATUS, SUMMARY, MESSAGES, ENERGY, NODES, LINKS, FILE ou une grandeur
REPORT 2 | Status No | Pressure Entre 3 | (« limite ») : « Entre » n'est pas une limite de rapport (BELOW, ABOVE ou PRECISION).
REPORT 3 | Status No | Pressure Below abc | (« valeur ») : « abc » n'est pas un nombre.
REPORT - | Summary No | Summary | : 1 champs au lieu d'au moins 2.
""".strip().splitlines()
]


def bad_text(section: str, old: str, new: str) -> tuple[str, int]:
    """sections.inp with the line of `section` whose words are `old` replaced by `new`, and
    the number of that line."""
    lines, current = SECTIONS.splitlines(), ""
    for index, line in enumerate(lines):
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and line.split(";")[0].split() == old.split():
            return "\n".join([*lines[:index], new, *lines[index + 1 :]]) + "\n", index + 1
    raise AssertionError(f"« {old} » is not a line of [{section}] in sections.inp")


def test_sections_fixture_passes_the_check():
    """Every line of sections.inp is valid (L-Town's own [CONTROLS], [ENERGY], [REACTIONS],
    [TIMES] and [OPTIONS] lines among them)."""
    inp_check.check_inp(FIXTURES / "sections.inp")


def test_epanet_example_network_3_passes_the_check():
    """EPANET's own example Net3 (21 timed controls, [ENERGY], [REACTIONS]) passes."""
    inp_check.check_inp(FIXTURES / "Net3.inp")


@pytest.mark.parametrize(("where", "old", "new", "text"), BAD)
def test_a_bad_line_is_named_and_nothing_is_imported(db, tmp_path, where, old, new, text):
    section, column = where.split()
    bad, line = bad_text(section, old, new)
    path = tmp_path / "reseau.inp"
    path.write_text(bad)
    named = f", colonne {column}" if column != "-" else ""
    message = f"reseau.inp, ligne {line}, section [{section}]{named} {text}"
    with pytest.raises(network.NetworkError, match=re.escape(message)):
        inp_check.check_inp(path)
    with pytest.raises(network.NetworkError, match=re.escape(message)):
        network.import_network(path)
    assert Network.objects.count() == 0 and Zone.objects.count() == 0


def epanet_refusal(path: Path, folder: Path) -> str:
    """What EPANET 2.2 (the toolkit WNTR ships) says of a file it cannot open: its error and
    its report (written in `folder`); "" where it opens it."""
    from wntr.epanet import toolkit

    epanet = toolkit.ENepanet(version=2.2)
    report = folder / f"{path.stem}.rpt"
    try:
        epanet.ENopen(str(path), str(report), "")
    except Exception as error:  # noqa: BLE001 — the toolkit's EpanetException
        try:
            epanet.ENclose()  # writes the report out
        except Exception:  # noqa: BLE001, S110 — nothing was opened
            pass
        return f"{error}\n{report.read_text(errors='replace')}"
    epanet.ENclose()
    return ""


# The lines EPANET 2.2 passes over and WNTR refuses without naming the line, so that the
# check's refusal changes nothing to what imports: [TAGS] (EPANET 2.3 refuses an undeclared
# name there; WNTR: « KeyError ») and MINIMUM TRAVELTIME (EPANET no longer uses it; WNTR:
# « minimum_traveltime is not a valid attribute »).
EPANET_22_PASSES_OVER = ("NODE J9 Centre", "LINK P9 Fonte", "Minimum Traveltime 0")
# The ranges of links in [STATUS] that EPANET 2.2 applies (P1 to P4 closed; P1 to P5 too,
# skipping the check valve P5) and WNTR cannot read (« could not convert string to float:
# 'P4' », the second name taken for a setting; numeric names: below).
EPANET_22_RANGES = ("P1 P4 Closed", "P1 P5 Closed")
# The lines EPANET 2.2 refuses once the whole file is read, naming no section.
EPANET_22_NAMES_NO_SECTION = {
    "PU1 J6 T1 SPEED 1": "Error 226: no head curve or power rating",
    "PU1 J6 T1 HEAD C2": "Error 227: invalid head curve",
    "PU1 J6 T1 HEAD E1 PATTERN PAT1": "Error 227: invalid head curve",
}


@pytest.mark.slow  # loads WNTR and EPANET's toolkit (seconds of CPU, once per session)
def test_epanet_itself_accepts_the_fixture_and_refuses_each_bad_line(tmp_path):
    """The check refuses only what EPANET refuses: EPANET 2.2 opens sections.inp, and
    fails to open each bad file (error 200), its report naming the changed line's section (or,
    for EPANET_22_NAMES_NO_SECTION, the error it gives once the file is read)."""
    import wntr

    assert epanet_refusal(FIXTURES / "sections.inp", tmp_path) == ""
    assert epanet_refusal(FIXTURES / "Net3.inp", tmp_path) == ""
    accepted = []
    for number, (where, old, new, _) in enumerate(BAD):
        section = where.split()[0]
        path = tmp_path / f"bad{number}.inp"
        path.write_text(bad_text(section, old, new)[0])
        said = epanet_refusal(path, tmp_path)
        if new in EPANET_22_PASSES_OVER:
            assert said == ""
            with pytest.raises((KeyError, AttributeError)):
                wntr.network.WaterNetworkModel(str(path))
        elif new in EPANET_22_RANGES:
            assert said == ""
            with pytest.raises(ValueError, match="could not convert string to float"):
                wntr.network.WaterNetworkModel(str(path))
        elif new in EPANET_22_NAMES_NO_SECTION:
            if EPANET_22_NAMES_NO_SECTION[new] not in said:
                accepted.append((new, said))
        elif "Error 200" not in said or f"in [{section}] section" not in said:
            accepted.append((new, said))
    assert accepted == []


@pytest.mark.slow  # loads WNTR (seconds of CPU, once per session)
def test_wntr_reads_the_sections_fixture(tmp_path):
    """What passes the check is read by WNTR too: its rules and controls, the tank's mixing,
    the pipe's reaction coefficient; the durations of [TIMES] as EPANET reads them (WNTR alone
    reads « Rule Timestep 1 MIN » as one hour)."""
    import wntr

    model = network.read_model(FIXTURES / "sections.inp")
    alone = wntr.network.WaterNetworkModel(str(FIXTURES / "sections.inp")).options.time
    assert alone.rule_timestep == 3600 and model.options.time.rule_timestep == 60
    assert model.options.time.duration == alone.duration == 168 * 3600
    assert len(model.control_name_list) == 7  # 5 controls, 2 rules
    assert model.get_node("T1").mixing_fraction == 0.5
    assert model.get_link("P1").bulk_coeff < 0


@pytest.mark.slow  # loads WNTR and EPANET's toolkit (seconds of CPU, once per session)
def test_a_range_of_numbered_links_in_status_is_refused_as_wntr_misreads_it(tmp_path):
    """With links named 1 to 4, EPANET 2.2 closes each of them for « 1 4 Closed »; WNTR
    imports it without a word, link 1 open with a setting of 4 and the others untouched: the
    check refuses the line."""
    import wntr
    from wntr.epanet import toolkit
    from wntr.network import LinkStatus

    text = bad_text("STATUS", "V1 Open", "1 4 Closed")[0]
    for number in "1234":
        text = re.sub(rf"\bP{number}\b", number, text)
    path = tmp_path / "plage.inp"
    path.write_text(text)
    epanet = toolkit.ENepanet(version=2.2)
    epanet.ENopen(str(path), str(tmp_path / "plage.rpt"), "")
    try:  # EN_INITSTATUS (4): 0 closed, 1 open
        statuses = [epanet.ENgetlinkvalue(epanet.ENgetlinkindex(name), 4) for name in "1234"]
    finally:
        epanet.ENclose()
    assert statuses == [0, 0, 0, 0]
    model = wntr.network.WaterNetworkModel(str(path))
    assert [model.get_link(name).initial_status for name in "1234"] == [LinkStatus.Open] * 4
    assert model.get_link("1").initial_setting == 4
    with pytest.raises(network.NetworkError, match="colonne 2 : « 1 4 » est une plage"):
        inp_check.check_inp(path)


# The models shipped with WNTR 1.5.0 (library/networks, tests/networks_for_testing) that
# EPANET 2.2 opens: 35 of 39 (it refuses bad_syntax.inp and bad_values.inp, error 200, and
# cv_controls.inp, error 223; bad_times.inp crashes its toolkit, which our check refuses).
WNTR_MODELS_EPANET_OPENS = [
    "Net1",
    "Net2",
    "Net3",
    "Net6",
    "ky4",
    "ky10",
    "Anytown",
    "Anytown_multipointcurves",
    "Awumah_layout1",
    "Awumah_layout8",
    "CCWI17-HermanMahmoud",
    "Net6_plus",
    "Todini_Fig2_optCost_CMH",
    "Todini_Fig2_optCost_GPM",
    "Todini_Fig2_solA_CMH",
    "Todini_Fig2_solA_GPM",
    "conditional_controls_1",
    "conditional_controls_2",
    "control_comb",
    "epanet_leaks",
    "fcv_open_no_downstream_sources",
    "fcv_open_no_upstream_sources",
    "io",
    "latin1",
    "leaks",
    "msx_example",
    "prv_closed_no_upstream_sources",
    "prv_open_no_upstream_sources",
    "psv_open_no_downstream_sources",
    "simulator",
    "skeletonize",
    "tank_controls_1",
    "tank_controls_2",
    "time_controls",
    "times",
]


@pytest.mark.slow  # EPANET's toolkit on 36 models (seconds of CPU)
def test_the_models_epanet_opens_among_those_shipped_with_wntr_pass_the_check(tmp_path):
    """No model that EPANET 2.2 opens is refused: the check would otherwise stop an import
    that works."""
    import wntr

    root = Path(wntr.__file__).parent
    paths = {path.stem: path for path in root.rglob("*.inp")}
    refused = []
    for name in WNTR_MODELS_EPANET_OPENS:
        assert epanet_refusal(paths[name], tmp_path) == "", name
        try:
            inp_check.check_inp(paths[name])
        except inp_check.NetworkError as error:
            refused.append(str(error))
    assert len(WNTR_MODELS_EPANET_OPENS) == 35 and refused == []


@pytest.mark.slow  # EPANET's toolkit on L-Town (782 junctions)
def test_l_town_opened_by_epanet_passes_the_check(tmp_path):
    ltown = FIXTURES / "L-TOWN.inp"
    assert epanet_refusal(ltown, tmp_path) == ""
    inp_check.check_inp(ltown)


def test_the_durations_of_times_are_read_with_their_unit(tmp_path):
    """epanet_times reads a [TIMES] line as EPANET does (the unit counts; WNTR drops it)."""
    path = tmp_path / "reseau.inp"
    path.write_text(
        "[TIMES]\n Duration 2 DAYS\n Rule Timestep 90 SEC\n Hydraulic Timestep 0:05\n"
        " Pattern Start 1.5\n Report Timestep 1 HOURS\n Start ClockTime 6 PM\n"
    )
    assert inp_check.epanet_times(path) == {
        "duration": 48 * 3600,
        "rule_timestep": 90,
        "hydraulic_timestep": 300,
        "pattern_start": 5400,
        "report_timestep": 3600,
    }
