#!/usr/bin/env python
"""Django's command-line utility for the example project.

``manage.py test`` uses ``tests.settings`` (the example's settings with a fast hasher), so
it runs exactly what ``pytest`` runs; every other command uses ``example_project.settings``.
"""

import os
import sys


def main() -> None:
    default = "tests.settings" if sys.argv[1:2] == ["test"] else "example_project.settings"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
