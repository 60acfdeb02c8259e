import sys

from schoolhub.cli import main

sys.exit(main())
