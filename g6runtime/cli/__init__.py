"""The ``g6`` command line: one module per subcommand, each ``configure(parser)`` + ``run(args)``.

* :mod:`.main` lists the subcommands with their help, builds the parser (importing only
  the module of the subcommand that runs) and maps errors to exit statuses;
* :mod:`.common` the shared flags and the settings of a command;
* :mod:`.argtypes` the shared argument types;
* :mod:`.cycles` how ``simulate`` and ``collect`` report a cycle.

Feature packages expose plain functions and never import this package.
"""

from .main import main

__all__ = ["main"]
