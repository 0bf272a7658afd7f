"""``python -m opencase``: the same as the ``opencase`` command."""

from .cli import run

run()
