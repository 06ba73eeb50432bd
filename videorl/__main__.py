import sys

from videorl.cli import main

sys.exit(main())
