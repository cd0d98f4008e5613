"""taskloom: task mining plus process mining in one model.

The installed distribution has this one top-level package. Its subpackages live in the
repository's top-level folders and are mapped in by setuptools ``package-dir``:
``taskloom.agent`` (agent/), ``taskloom.collector`` (collector/), ``taskloom.mining``
(mining/) and ``taskloom.server`` (server/). In a checkout, the symlinks beside this file
give the same names to tools that do not read that mapping (mypy, editors, ``python -m``
from the repository root). Importing this package imports nothing else: the agent stays light.
"""

__version__ = "0.1.0"
