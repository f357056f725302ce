"""The one compiled part of Territoria, optional: the traffic-light controllers
(`territoria/mobilite/signals/controllers.py`) compiled by mypyc into
`territoria.mobilite.signals._controllers_c` — the same decisions at ≈ 3/4 of the instructions
(docs/mobilite-signals.md, « Boucle de décision compilée »). Everything else is in
pyproject.toml.

The source is compiled from a copy under build/ that ends with its SHA-256
(`SOURCE_SHA256`): `controllers.py` uses the compiled module only when that key is the hash of
the file as it is then, so an edit without a rebuild runs the pure-Python code (with a
warning), never a stale build. No compiler, mypyc missing or a failed compilation: a warning,
and the package installs without it (pure Python, the same decisions).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "src" / "territoria" / "mobilite" / "signals" / "controllers.py"
PACKAGE = "territoria.mobilite.signals"
MODULE = "_controllers_c"
# the copy mypyc compiles, in its package's folders (mypyc names a module by its path)
COPY_ROOT = HERE / "build" / "mypyc-src"


def _say(message: str) -> None:
    print(f"territoria setup.py: {message}", file=sys.stderr)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _compiled_controllers() -> list:
    """The mypyc extension, or none (pure Python) when it cannot be built here."""
    if os.environ.get("TERRITORIA_NO_COMPILE", "") not in ("", "0"):
        _say("TERRITORIA_NO_COMPILE : contrôleurs des feux en Python pur")
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _say("mypyc absent : contrôleurs des feux en Python pur")
        return []
    source = SOURCE.read_bytes()
    folder = COPY_ROOT.joinpath(*PACKAGE.split("."))
    folder.mkdir(parents=True, exist_ok=True)
    for depth in range(1, len(PACKAGE.split(".")) + 1):
        _write_if_changed(COPY_ROOT.joinpath(*PACKAGE.split(".")[:depth], "__init__.py"), "")
    copy = folder / f"{MODULE}.py"
    digest = hashlib.sha256(source).hexdigest()
    _write_if_changed(
        copy,
        source.decode("utf-8")
        + "\n\n# written by setup.py: the hash of the controllers.py this module was built from\n"
        + f'SOURCE_SHA256 = "{digest}"\n',
    )
    cwd = Path.cwd()
    os.chdir(COPY_ROOT)  # mypyc names the module from its folders, relative to here
    try:
        extensions = mypycify(
            [
                "--ignore-missing-imports",
                "--follow-imports=silent",
                "--disable-error-code=annotation-unchecked",
                str(Path(*PACKAGE.split("."), f"{MODULE}.py")),
            ],
            opt_level="3",
            target_dir=str(HERE / "build" / "mypyc"),
        )
    except (SystemExit, Exception) as exc:  # noqa: BLE001 - a type error: build without it
        _say(f"mypyc a échoué ({exc!r}) : contrôleurs des feux en Python pur")
        return []
    finally:
        os.chdir(cwd)
    for ext in extensions:
        # a missing or failing C compiler: a warning, the package without the extension
        ext.optional = True
        # C sources relative to this folder, not to build/mypyc-src (setuptools wants them so)
        ext.sources = [os.path.relpath(os.path.join(COPY_ROOT, s), HERE) for s in ext.sources]
        ext.extra_compile_args = [*ext.extra_compile_args, "-ffp-contract=off"]
    return extensions


setup(ext_modules=_compiled_controllers())
