"""``python -m g6runtime`` is the ``g6`` command."""

import sys

from .cli import main

sys.exit(main())
