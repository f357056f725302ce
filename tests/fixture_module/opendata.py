import csv
import hashlib
from pathlib import Path

from tests.fixture_module.models import Note


def write_public_notes_csv(path: Path) -> tuple[int, str]:
    rows = list(Note.objects.filter(published=True).order_by("pk").values_list("title", "summary"))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["titre", "resume"])
        writer.writerows(rows)
    return len(rows), hashlib.sha256(path.read_bytes()).hexdigest()
