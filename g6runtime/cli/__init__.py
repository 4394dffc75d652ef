"""The ``g6`` command line: one module per subcommand, each ``register(sub)`` + ``run(args)``.

* :mod:`.main` builds the parser and maps errors to exit statuses;
* :mod:`.common` the shared flags and the settings of a command;
* :mod:`.argtypes` the shared argument types;
* :mod:`.cycles` how ``simulate`` and ``collect`` report a cycle.

Feature packages expose plain functions and never import this package.
"""

from .main import main

__all__ = ["main"]
