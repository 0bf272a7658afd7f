"""``python -m opencase``: the same as the ``opencase`` command."""

from .cli import main

raise SystemExit(main())
