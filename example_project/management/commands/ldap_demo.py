"""Run a throwaway OpenLDAP directory with demo users, for trying LDAP login (README "LDAP").

It starts ``slapd`` on a loopback port with python-ldap's ``slapdtest`` (the ``ldap`` extra, and
the ``slapd`` and ``ldap-utils`` packages), loads ``example_project/ldap/demo.ldif``, prints the
variables that point the example project at it, and deletes it on Ctrl-C.
"""

from __future__ import annotations

import importlib.util
import shlex
import signal
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

DEMO_LDIF = Path(__file__).resolve().parents[2] / "ldap" / "demo.ldif"
SUFFIX = "dc=example,dc=com"
#: (username, email, password) of the users in demo.ldif.
DEMO_USERS = (
    ("alice", "alice@example.com", "alice-demo-password"),
    ("bjorn", "bjorn@example.com", "bjorn-demo-password"),
)


def demo_environment(ldap_uri: str) -> dict[str, str]:
    """The example project's LDAP variables for the demo directory at ``ldap_uri``."""
    return {
        "LDAP_SERVER_URI": ldap_uri,
        "LDAP_BIND_DN": f"cn=zulip,ou=services,{SUFFIX}",
        "LDAP_BIND_PASSWORD": "zulip-demo-bind-password",
        "LDAP_USER_SEARCH_BASE": f"ou=people,{SUFFIX}",
        "LDAP_APPEND_DOMAIN": "example.com",
    }


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Start a demo LDAP directory on a loopback port and print the variables to export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")

    def handle(self, *args: Any, **options: Any) -> None:
        if importlib.util.find_spec("slapdtest") is None:
            raise CommandError("python-ldap is missing: pip install 'zulip-apikey[ldap]'")
        import slapdtest

        port: int = options["port"]

        class DemoDirectory(slapdtest.SlapdObject):  # type: ignore[misc]
            suffix = SUFFIX
            root_cn = "admin"
            slapd_loglevel = "none"
            TMPDIR = tempfile.gettempdir()
            openldap_schema_files = ("core.ldif", "cosine.ldif", "inetorgperson.ldif")

            def _avail_tcp_port(self) -> int:
                return port or int(super()._avail_tcp_port())

        try:
            server = DemoDirectory()
        except ValueError as e:  # slapdtest's way of saying a program is missing
            raise CommandError(f"{e} (Debian: apt-get install slapd ldap-utils)") from e
        # Stop (and delete the directory) on SIGTERM as on Ctrl-C, even where the shell
        # started us with SIGINT ignored (a background job).
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _raise_keyboard_interrupt)
        server.start()
        try:
            server.ldapadd(DEMO_LDIF.read_text(encoding="utf-8"))
            self.print_instructions(server.ldap_uri.rstrip("/"))
            server.wait()  # returns only if slapd dies
            raise CommandError("slapd exited")
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()

    def print_instructions(self, ldap_uri: str) -> None:
        write = self.stdout.write
        write(f"Demo LDAP directory at {ldap_uri}; Ctrl-C stops and deletes it.")
        write("In another shell, export these and run the example project:\n")
        for name, value in demo_environment(ldap_uri).items():
            write(f"export {name}={shlex.quote(value)}")
        write("\nUsers (username, email, password):")
        for username, email, password in DEMO_USERS:
            write(f"  {username}  {email}  {password}")
        self.stdout.flush()
