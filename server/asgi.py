"""The ASGI entry point for uvicorn: `uvicorn server.asgi:app` (settings from environment)."""

from server.app import create_app
from server.settings import Settings

app = create_app(Settings.from_env())
