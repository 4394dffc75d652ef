"""The one line that describes a fault spec (``--faults`` help and every parse error).

Its own module so that building the ``g6`` parser does not import the fault machinery.
"""

SYNTAX = "KIND[/TARGET]:INDEX:CYCLES[:RATE], e.g. error:NIFTY:3-5"
