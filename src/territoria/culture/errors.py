"""The one error of the module's imports: where (file, line, field) and what was expected."""

from __future__ import annotations

from pathlib import Path

from territoria.core.text_files import nul_problem


class ImportProblem(Exception):
    """An import refused, with every problem found (nothing was written)."""

    def __init__(self, problems: list[str] | str, source: str = ""):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        prefix = f"{source} : " if source else ""
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        text = "; ".join(shown) + (f" (et {more} autre(s))" if more > 0 else "")
        super().__init__(f"{prefix}import refusé, rien n'a été écrit — {text}")


def check_problems(problems: list[str], source: str) -> None:
    if problems:
        raise ImportProblem(problems, source)


def read_text(source, label: str) -> str:
    """The text of an uploaded or named CSV file (UTF-8, with or without BOM); a file that is
    not UTF-8 text, or holds a NUL character, is refused before anything is read from it."""
    raw = source.read() if hasattr(source, "read") else Path(source).read_bytes()
    if not isinstance(raw, str):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportProblem("le fichier n'est pas encodé en UTF-8", label) from None
    if problem := nul_problem(raw):
        raise ImportProblem(problem, label)
    return raw
