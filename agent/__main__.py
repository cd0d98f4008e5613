"""``python -m agent`` is ``taskloom-agent``."""

import sys

from taskloom.agent.cli import main

if __name__ == "__main__":
    sys.exit(main())
