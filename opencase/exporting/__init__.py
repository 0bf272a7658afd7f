"""Exports of a published package for other tools (``opencase export``)."""
