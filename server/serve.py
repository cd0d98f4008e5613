"""Serving the app with uvicorn on the settings' host and port (``taskloom serve``, the demo).

Reports the database, a hint when no admin token exists yet, and the address actually
bound (port 0 picks a free one) through ``say``, so callers decide where lines go.
Connections are guarded (server.connguard): a header timeout, a cap on open
connections that refuses new ones cleanly, and rate-limited logs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taskloom.collector.store import Store
from taskloom.server.config import Settings
from taskloom.server.connguard import connection_cap, guarded_protocol, install_log_limits

#: The most header bytes one request may send (h11; httptools has its own 80 KiB bound).
MAX_HEADER_BYTES = 64 * 1024
#: The listen backlog, which is also how many connections asyncio accepts in one go
#: before the connection guard can close any: small, so a flood cannot pile up sockets.
ACCEPT_BACKLOG = 128


def serve(store: Store, settings: Settings, say: Callable[[str], None], *,
          access_log: bool = False) -> None:
    """Run the collector over ``store`` until interrupted (the caller closes the store)."""
    import uvicorn

    from taskloom.server.app import create_app

    app = create_app(store, settings)
    limits = settings.limits()
    cap = connection_cap(limits.max_connections)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, workers=1,
                            log_level=settings.log_level, access_log=access_log,
                            timeout_keep_alive=settings.keepalive_timeout_s,
                            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                            backlog=min(ACCEPT_BACKLOG, cap),
                            server_header=False, http=settings.http, loop=settings.loop)
    config.load()
    config.http_protocol_class = guarded_protocol(config.http_protocol_class,
                                                  limits.header_timeout_s, cap)
    install_log_limits()
    server = uvicorn.Server(config)
    say(f"taskloom collector: database {store.url}")
    if not store.has_admin_tokens():
        db = f" --db {settings.db}" if settings.db else ""
        say(f"no admin token yet: create one with `taskloom admin token{db}` "
            "and send it as 'Authorization: Bearer <token>'")
    original_startup = server.startup

    async def startup(sockets: Any = None) -> None:
        await original_startup(sockets=sockets)
        for srv in getattr(server, "servers", []):
            for sock in srv.sockets:
                host, port = sock.getsockname()[:2]
                docs = "/docs" if settings.api_docs else "/openapi.json, admins only"
                say(f"taskloom collector listening on http://{host}:{port} "
                    f"(console: http://{host}:{port}/ · API spec: http://{host}:{port}{docs})")

    server.startup = startup  # type: ignore[method-assign]
    server.run()
