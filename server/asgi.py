"""The ASGI entry point: `server.asgi:app`, configured from the PARLEY_* environment.

`parley serve` runs it under uvicorn after applying migrations. Run directly (`uvicorn
server.asgi:app`, or any ASGI server), apply them first with `parley migrate`: the app itself
never changes the schema.
"""

from server.app import create_app
from server.settings import Settings

app = create_app(Settings.from_env())
