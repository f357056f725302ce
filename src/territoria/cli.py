"""The `territoria` command: Django's management commands under the platform's name.

Every sub-command (serve, migrate, import, export, createadmin, load_demo, …) is a
Django management command, so the CLI, the Makefile and the tests share one code path.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoria.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "territoria"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
