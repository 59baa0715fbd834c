"""Data package: the app's OpenAPI document (``zulip_apikey.json``)."""
