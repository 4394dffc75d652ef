"""The InfluxDB sink's foundation: line protocol (``line_protocol``) and a v1 HTTP client
(``client``), both standard library only. Nothing is imported here, so importing the package
costs nothing.
"""
