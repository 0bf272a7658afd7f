"""``python -m opencase``: the same as the ``opencase`` command."""

from opencase.cli import run

run()
