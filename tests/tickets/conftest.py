from tests.channels.conftest import live_server  # noqa: F401
