"""`python -m benchmarks [name ...]`: run the benchmarks (all when no name is given).

Each benchmark is a module `benchmarks.<name>` with a `main(argv)` function.
"""

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name
        for m in pkgutil.iter_modules([str(here)])
        if not m.name.startswith("_") and not m.ispkg and m.name not in {"common"}
    )


def main(argv: list[str]) -> int:
    names = argv or available()
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        if not hasattr(module, "main"):
            continue
        print(f"=== benchmark {name}")
        module.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
