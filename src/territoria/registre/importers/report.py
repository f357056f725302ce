"""The outcome of an import, line by line: what would be (or was) created, updated, left
unchanged or rejected, with every error naming the line, the column and what was expected.

The same object is rendered by the CLI (`render_text`) and stored as JSON on `ImportJob`
for a page to show (`as_dict`).
"""

from dataclasses import asdict, dataclass, field

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
REJECTED = "rejected"

ACTION_LABELS = {
    CREATED: "créé",
    UPDATED: "mis à jour",
    UNCHANGED: "inchangé",
    REJECTED: "rejeté",
}


@dataclass
class Issue:
    """One problem found in the file. `line` is None for problems of the whole file."""

    message: str
    line: int | None = None
    column: str | None = None
    field: str | None = None
    expected: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        if self.field and self.field != self.column:
            where.append(f"champ {self.field}")
        text = (", ".join(where) + " : " if where else "") + self.message
        if self.expected:
            text += f" (attendu : {self.expected})"
        return text


@dataclass
class LineResult:
    line: int
    action: str
    name: str = ""
    organisation: str = ""
    key: str = ""
    changes: list[str] = field(default_factory=list)  # field names that change
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


@dataclass
class ImportReport:
    source: str
    format: str
    dry_run: bool
    lines: list[LineResult] = field(default_factory=list)
    file_errors: list[Issue] = field(default_factory=list)  # encoding, delimiter, columns…
    corrections: list[str] = field(default_factory=list)  # corrections applied before import
    notes: list[str] = field(default_factory=list)  # e.g. columns the mapping ignores
    organisations: dict[str, int] = field(
        default_factory=lambda: {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    )
    written: bool = False

    @property
    def errors(self) -> list[Issue]:
        """Every error of the file and of its lines, in file order."""
        return self.file_errors + [issue for line in self.lines for issue in line.errors]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for line in self.lines for issue in line.warnings]

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in ACTION_LABELS}

    def as_dict(self) -> dict:
        data = asdict(self)
        data["counts"] = self.counts
        data["errors"] = [asdict(issue) for issue in self.errors]
        data["summary"] = self.summary()
        data["ok"] = self.ok
        return data

    def summary(self) -> str:
        if self.dry_run:
            head = "Simulation (rien n'a été écrit)"
        elif self.ok:
            head = "Import effectué"
        else:
            head = "Import refusé (rien n'a été écrit)"
        counts = ", ".join(
            f"{ACTION_LABELS[action]} : {count}" for action, count in self.counts.items()
        )
        orgs = self.organisations
        text = (
            f"{head} — {self.source} ({self.format}) — projets {counts} ; organisations créées : "
            f"{orgs[CREATED]}, mises à jour : {orgs[UPDATED]}"
        )
        if not self.ok:
            text += f" — {len(self.errors)} erreur(s)"
        return text + "."

    def render_text(self, verbose: bool = False) -> str:
        """The report as a person reads it in a terminal."""
        out = [self.summary()]
        if self.corrections:
            out.append(f"Corrections appliquées avant import ({len(self.corrections)}) :")
            out += [f"  - {item}" for item in self.corrections]
        out += self.notes
        if self.errors:
            out.append(f"Erreurs ({len(self.errors)}) :")
            out += [f"  - {issue}" for issue in self.errors]
        if self.warnings:
            out.append(f"Avertissements ({len(self.warnings)}) :")
            out += [f"  - {issue}" for issue in self.warnings]
        if verbose:
            out.append("Détail par ligne :")
            for line in self.lines:
                changes = (
                    f" [{', '.join(line.changes)}]"
                    if line.changes and line.action == UPDATED
                    else ""
                )
                out.append(
                    f"  ligne {line.line} : {ACTION_LABELS[line.action]} — {line.organisation} / {line.name}{changes}"
                )
        return "\n".join(out)
