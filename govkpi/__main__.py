import sys

from govkpi.cli import main

sys.exit(main())
