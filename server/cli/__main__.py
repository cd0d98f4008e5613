import sys

from taskloom.server.cli import main

sys.exit(main())
