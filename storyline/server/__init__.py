"""The REST API and the web UI, served by one process (``storyline serve``).

:func:`create_app` builds the ASGI app over a SQLite file; :func:`serve` runs it with uvicorn.
"""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
