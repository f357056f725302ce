"""Documented corrections applied to a source file before its import.

The real `data.csv` carries three typo'd SIRETs of Toulouse Métropole (invalid Luhn key);
the import rejects them, as it must. The demo loader applies `registre/fixtures/
demo_corrections.json` first: each correction names the field, the wrong value, the right
one, the reason and the source of the right value, and is listed in the import report.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from territoria.core.siret import normalize_siret
from territoria.registre.importers.normalise import text

DEMO_CORRECTIONS = Path(__file__).resolve().parent.parent / "fixtures" / "demo_corrections.json"


@dataclass
class Correction:
    field: str
    value: str
    replace_with: str
    reason: str
    source: str
    # Only on the lines whose other fields have these values, e.g. {"coll_siret": "…"}:
    # the type of one organisation is corrected, not every "EPT" of the file.
    when: dict = field(default_factory=dict)

    @staticmethod
    def _same(name: str, raw, expected: str) -> bool:
        if raw is None:
            return False
        if name == "coll_siret":
            return normalize_siret(text(raw)) == normalize_siret(expected)
        return text(raw) == expected

    def matches(self, raw, line: dict | None = None) -> bool:
        if not self._same(self.field, raw, self.value):
            return False
        line = line or {}
        return all(self._same(name, line.get(name), value) for name, value in self.when.items())


def load_corrections(path=DEMO_CORRECTIONS) -> list[Correction]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        Correction(
            item["field"],
            item["value"],
            item["replace_with"],
            item["reason"],
            item["source"],
            item.get("when", {}),
        )
        for item in data["corrections"]
    ]


def apply(corrections: list[Correction], line: int, raw: dict) -> list[str]:
    """Correct the raw values of one line in place; describe each correction applied."""
    applied = []
    for correction in corrections:
        if correction.matches(raw.get(correction.field), raw):
            raw[correction.field] = correction.replace_with
            applied.append(
                f"ligne {line}, {correction.field} : « {correction.value} » → « {correction.replace_with} » "
                f"— {correction.reason} (source : {correction.source})"
            )
    return applied
