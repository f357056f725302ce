"""The data folder: where it is, and preparing it.

Importing the settings only reads: it never creates a folder nor writes a key. Preparing
the folder (creating it and a secret key kept there) is an explicit step, taken by the
commands that start or set up the platform (`territoria migrate`, `serve`, `load_demo`,
`db_worker`, `createadmin`, `setup`); see territoria/cli.py.
"""

import os
import secrets
from pathlib import Path

SECRET_KEY_FILE = "secret_key"


def data_dir() -> Path:
    """TERRITORIA_DATA_DIR, or ./var in the current folder."""
    return Path(os.environ.get("TERRITORIA_DATA_DIR") or Path.cwd() / "var").resolve()


def read_secret_key(folder: Path) -> str:
    """The key kept in the data folder, or "" when it has not been prepared."""
    try:
        return (folder / SECRET_KEY_FILE).read_text().strip()
    except FileNotFoundError:
        return ""


def prepare_data_dir(folder: Path | None = None) -> Path:
    """Create the data folder and, unless TERRITORIA_SECRET_KEY is set, its secret key."""
    folder = folder or data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # Where large uploads are spooled (settings.FILE_UPLOAD_TEMP_DIR), watched by job recovery.
    (folder / "tmp" / "uploads").mkdir(parents=True, exist_ok=True)
    key_file = folder / SECRET_KEY_FILE
    if not os.environ.get("TERRITORIA_SECRET_KEY") and not key_file.exists():
        # Created with owner-only rights from the start (no window where others can read it).
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return folder
