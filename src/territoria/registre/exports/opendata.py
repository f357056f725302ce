"""The register's dataset on the open-data portal (declared in apps.py as `datasets`).

The rows come from the register's own CSV export made for an anonymous reader
(`rows.projects(None)`, `rows.export_fields(None, all_fields=True)`, `formats.csv_chunks`),
which goes through the register's single visibility rule: published projects only, public
fields only — a restricted field cannot reach this dataset by construction.
"""

import hashlib
from pathlib import Path

from territoria.registre.exports import formats, rows


def write_public_register_csv(path: Path) -> tuple[int, str]:
    """Write the public register as CSV (schema ids as columns); (rows, content hash)."""
    fields = rows.export_fields(None, all_fields=True)
    digest, lines = hashlib.sha256(), -1
    with path.open("w", encoding="utf-8", newline="") as handle:
        # The raw values: this file is converted to Parquet, and the dataset's CSV downloads
        # neutralise formulas themselves (a quote here would end up in the published data).
        for chunk in formats.csv_chunks(
            rows.projects(None), fields, None, anchor_columns=False, neutralise_formulas=False
        ):
            handle.write(chunk)
            digest.update(chunk.encode())
            lines += chunk.count("\n")
    return lines, digest.hexdigest()
