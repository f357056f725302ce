"""Where the team's shared data lives: ../shared/data beside the checkout (TERRITORIA_SHARED_DATA overrides)."""

import os
from pathlib import Path

SHARED_DATA = Path(
    os.environ.get(
        "TERRITORIA_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)
