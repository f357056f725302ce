"""The one error of the module's imports: where (file, line, field) and what was expected."""

from __future__ import annotations


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
