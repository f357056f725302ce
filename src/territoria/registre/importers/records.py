"""What every reader produces: one record per line, with its organisation and its project
values already normalised (stored codes, dates, numbers), or the errors that reject it."""

from dataclasses import dataclass, field

from territoria.registre.importers.report import Issue


@dataclass
class OrganisationData:
    country: str  # ISO code: FR (identified by SIRET) or a foreign country
    key: str  # the SIRET of a French body, the `identifier` of a foreign one
    values: dict = field(default_factory=dict)  # Organisation attribute -> value

    @property
    def lookup(self) -> dict:
        return {"siret": self.key} if self.country == "FR" else {"identifier": self.key}


@dataclass
class Record:
    line: int
    source: str  # Project.source
    organisation: OrganisationData | None = None
    values: dict = field(default_factory=dict)  # Project attribute -> value
    source_key: str = ""
    natural_key: tuple = ()
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.values.get("nom_projet", "")
