"""The record models, as the public name ``opencase.models`` (they live in
:mod:`opencase.language.models`)."""

from opencase.language.models import *  # noqa: F403
from opencase.language.models import __all__ as __all__
