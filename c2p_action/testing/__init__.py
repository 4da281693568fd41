"""Tools for testing code that uses ``c2p_action``: nothing here is needed in production.

This package imports nothing at import time, so that the pytest plugin (loaded by every
pytest run of a project that installs the library) costs nothing until a fixture is used.
"""
