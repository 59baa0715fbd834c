"""Passwords and API keys never reach Django's error reports (the HTML ones included).

A failure is injected deep inside the login (the database lookup) and inside the API-key
check; the report Django would mail to ADMINS is then rendered and searched for the secret.
Injecting the exception needs a patch: no real component fails on demand at that spot.
"""

from __future__ import annotations

import base64
from typing import Any
from unittest import mock

from django.db import OperationalError
from django.test import TestCase
from django.views.debug import ExceptionReporter

from tests.factories import UserFactory
from zulip_apikey.lib.api_key import get_api_key

SECRET = "Real-Secret-Password-42"


class ErrorReportTest(TestCase):
    def report_of(self, records: list[Any]) -> str:
        record = next(r for r in records if r.exc_info)
        exc_type, exc_value, tb = record.exc_info
        reporter = ExceptionReporter(record.request, exc_type, exc_value, tb, is_email=True)
        return reporter.get_traceback_html() + reporter.get_traceback_text()

    def test_password_not_in_report(self) -> None:
        self.client.raise_request_exception = False
        crash = OperationalError("database went away")
        with (
            mock.patch("zulip_apikey.backends.users_by_email", side_effect=crash),
            self.assertLogs("django.request", "ERROR") as logs,
        ):
            response = self.client.post(
                "/api/v1/fetch_api_key", {"username": "alice@example.com", "password": SECRET}
            )
        self.assertEqual(response.status_code, 503)
        report = self.report_of(logs.records)
        self.assertIn("database went away", report)  # the report is the real one
        self.assertIn("EmailAuthBackend", report.replace("backends.py", "EmailAuthBackend"))
        self.assertNotIn(SECRET, report)

    def test_api_key_not_in_report(self) -> None:
        user = UserFactory(email="alice@example.com")
        key = get_api_key(user)
        header = "Basic " + base64.b64encode(f"alice@example.com:{key}".encode()).decode()
        self.client.raise_request_exception = False
        crash = RuntimeError("role check exploded")
        with (
            mock.patch("zulip_apikey.lib.basic_auth._role_matches", side_effect=crash),
            self.assertLogs("django.request", "ERROR") as logs,
        ):
            response = self.client.get("/api/v1/users/me", HTTP_AUTHORIZATION=header)
        self.assertEqual(response.status_code, 500)
        report = self.report_of(logs.records)
        self.assertIn("role check exploded", report)
        self.assertNotIn(key, report)
        self.assertNotIn(header.split()[1], report)
