"""EPANET 2.3's [LEAKAGE] section (pipe background leakage, FAVAD: « pipe area expansion »).
WNTR 1.5 and EPANET 2.2 refuse the whole section (« syntax error » on its title), so a model
written by EPANET 2.3 could not be imported at all. Now `check_inp` refuses a bad line as
EPANET 2.3 does (naming line, section and column), and the import reads the rest of the
model with the section left out, saying on the network's page how many leakage lines it did
not simulate. The slow tests run EPANET 2.3's own toolkit (package owa-epanet) on the same
files."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from territoria.eau import inp_check, network
from territoria.eau.models import Network, Zone

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"
SECTIONS = (FIXTURES / "sections.inp").read_text()
# Two pipes with background leakage, between [COORDINATES] and [END]: lines after it still
# matter (the check must not lose the line numbers).
LEAKAGE = "[LEAKAGE]\n;Pipe  Area  Expansion\n P1  1.5  0.1\n P2  0.8  0\n\n"
GOOD = SECTIONS.replace("[END]", LEAKAGE + "[END]")
# A bad line in place of « P2  0.8  0 »: the column named, then what the message says.
BAD = [
    ("P2 0.8", "-", "2 champs au lieu d'au moins 3."),
    ("P9 0.8 0", "1", "le tronçon « P9 » n'est déclaré dans aucune section"),
    ("P2 beaucoup 0", "2", "(« surface de fuite ») : « beaucoup » n'est pas un nombre."),
    ("P2 -0.8 0", "2", "(« surface de fuite ») : « -0.8 » : attendu au moins 0."),
    ("P2 0.8 -1", "3", "(« dilatation de la fuite ») : « -1 » : attendu au moins 0."),
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fuites.inp"
    path.write_text(text)
    return path


def line_of(text: str, words: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.split() == words.split())


def test_a_leakage_section_passes_the_check(tmp_path):
    inp_check.check_inp(write(tmp_path, GOOD))
    lines = inp_check.leakage_lines(write(tmp_path, GOOD))
    title = line_of(GOOD, "[LEAKAGE]")
    assert lines == {title: True, title + 2: False, title + 3: False}


@pytest.mark.parametrize(("new", "column", "text"), BAD)
def test_a_bad_leakage_line_is_named_and_nothing_is_imported(db, tmp_path, new, column, text):
    bad = GOOD.replace(" P2  0.8  0\n", f" {new}\n")
    path = write(tmp_path, bad)
    named = f", colonne {column}" if column != "-" else ""
    message = f"fuites.inp, ligne {line_of(bad, new)}, section [LEAKAGE]{named}"
    with pytest.raises(network.NetworkError, match=re.escape(message)) as refused:
        network.import_network(path)
    assert text in str(refused.value)
    assert Network.objects.count() == 0 and Zone.objects.count() == 0


@pytest.mark.slow  # loads WNTR (seconds of CPU, once per session)
def test_a_model_with_leakage_imports_and_says_it_is_not_simulated(db, tmp_path):
    import wntr

    path = write(tmp_path, GOOD)
    with pytest.raises(Exception, match="syntax error"):  # WNTR alone refuses the section
        wntr.network.WaterNetworkModel(str(path))
    imported = network.import_network(path)
    plain = network.read_network(FIXTURES / "sections.inp")
    assert imported.elements == plain["elements"]
    assert imported.counts == {**plain["counts"], "fuites de fond": 2}
    assert "2 fuites de fond déclarées ([LEAKAGE] d'EPANET 2.3, non simulées)" in (
        imported.counts_text
    )
    assert "fuites" not in Network(counts=plain["counts"]).counts_text
    # The kept model is the user's file, section included.
    assert network.model_path(imported).read_text() == GOOD


@pytest.mark.slow  # loads WNTR (seconds of CPU, once per session)
def test_wntr_refusals_after_the_leakage_section_keep_their_line(tmp_path):
    """The copy WNTR reads has the section commented out line for line: a refusal WNTR
    places on a line still names the line of the user's file."""
    bad = GOOD.replace("[END]", "[TAGS]\nNODE J1\n\n[END]")  # too few fields: check's own
    path = write(tmp_path, bad)
    with pytest.raises(network.NetworkError, match=f"ligne {line_of(bad, 'NODE J1')},"):
        network.read_model(path)


# EPANET 2.3's toolkit runs in its own interpreter: once WNTR has loaded EPANET 2.2's library
# into a process (other tests do), owa-epanet's module resolves its symbols there and fails to
# import (« undefined symbol: EN_getnodevalues »).
EPANET_23 = """
import json, sys
from pathlib import Path
from epanet import toolkit

said = {}
for name in sys.argv[1:]:
    path = Path(name)
    project = toolkit.createproject()
    try:
        toolkit.open(project, name, str(path.with_suffix(".rpt")), "")
        pipe = toolkit.getlinkindex(project, "P1")
        leak = [toolkit.getlinkvalue(project, pipe, code) for code in (toolkit.LEAK_AREA, toolkit.LEAK_EXPAN)]
        said[name] = {"error": "", "leak": leak}
    except Exception as error:
        said[name] = {"error": str(error)}
    finally:
        toolkit.close(project)  # writes the report out
        toolkit.deleteproject(project)
    if said[name]["error"]:
        said[name]["error"] += "\\n" + path.with_suffix(".rpt").read_text(errors="replace")
print(json.dumps(said))
"""


@pytest.mark.slow  # EPANET 2.3's toolkit, in a subprocess
def test_epanet_23_reads_the_leakage_and_refuses_each_bad_line(tmp_path):
    good = write(tmp_path, GOOD)
    bad = []
    for number, (new, _, _) in enumerate(BAD):
        bad.append(tmp_path / f"bad{number}.inp")
        bad[-1].write_text(GOOD.replace(" P2  0.8  0\n", f" {new}\n"))
    run = subprocess.run(
        [sys.executable, "-c", EPANET_23, str(good), *map(str, bad)],
        capture_output=True,
        text=True,
        check=True,
    )
    said = json.loads(run.stdout)
    assert said[str(good)]["error"] == ""
    assert said[str(good)]["leak"] == pytest.approx([1.5, 0.1])
    accepted = [
        (new, said[str(path)])
        for path, (new, _, _) in zip(bad, BAD, strict=True)
        if "Error 200" not in said[str(path)]["error"]
        or "in [LEAKAGE] section" not in said[str(path)]["error"]
    ]
    assert accepted == []
