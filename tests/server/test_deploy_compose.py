"""The compose file publishes plain HTTP on the host's loopback only; the network gets
TLS through the Caddy proxy of the "tls" profile, which forwards to the collector."""

from __future__ import annotations

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "server"


def test_plain_http_is_published_on_loopback_only() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    for name, service in services.items():
        for port in service.get("ports", []):
            if name == "tls":
                continue
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on all interfaces"
    assert services["collector"]["ports"] == ["127.0.0.1:8765:8765"]
    assert "db" not in [n for n, s in services.items() if s.get("ports")]
    tls = services["tls"]
    assert tls["profiles"] == ["tls"] and "443:443" in tls["ports"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in tls["volumes"]


def test_caddyfile_proxies_to_the_collector() -> None:
    text = (DEPLOY / "Caddyfile").read_text()
    assert "{$TASKLOOM_DOMAIN} {" in text and "reverse_proxy collector:8765" in text
