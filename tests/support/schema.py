"""A tag of the store's schema, for caches of built stores that outlive one checkout.

Benchmarks keep built stores under the temp dir between runs. The machine is shared by
checkouts of other branches, whose migrations may differ: a store built by a newer schema
cannot be opened by an older one (Alembic: "Can't locate revision"). A cache file named
with this tag is only reused by a checkout with the same migrations.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[2] / "collector" / "migrations" / "versions"


def schema_tag() -> str:
    """Twelve hex digits over the names and contents of the migration files."""
    digest = hashlib.sha256()
    for path in sorted(VERSIONS.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
