"""The team's shared data, and the small committed copies the suite uses without it.

`../shared/data` beside the checkout (TERRITORIA_SHARED_DATA overrides) holds the full open
data sets. A fresh clone has none: the tests read the extracts of tests/fixtures/shared/
(provenance and licences in its SOURCE.md), and the full-data tests, marked
`requires_shared_data`, run only when the shared folder is there.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TERRITORIA_SHARED_DATA", ROOT.parent / "shared" / "data"))
FIXTURES = ROOT / "tests" / "fixtures" / "shared"

# Committed extracts (always there).
BIBLIOTHEQUE_IA_CSV = (
    ROOT / "src" / "territoria" / "registre" / "fixtures" / "bibliotheque-ia-data.csv"
)
BIBLIOTHEQUE_IA_PROCESSED_CSV = FIXTURES / "bibliotheque-ia-processed_data.csv"
NL_REGISTER_SAMPLE = FIXTURES / "nl-algoritmeregister-sample.json"
UK_REGISTER = FIXTURES / "uk-atrs.json"

# Full data sets (only beside the team's checkout).
NL_REGISTER_FULL = SHARED_DATA / "registers" / "nl-algoritmeregister.json"

requires_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"full data sets absent ({SHARED_DATA}): the committed extracts are tested instead",
)
