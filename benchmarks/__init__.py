"""Benchmarks of zulip_apikey: ``python benchmarks/run.py`` measures and rewrites REPORT.md."""
