"""`python -m bot` is the same as `milestone-bot`."""

import sys

from bot.cli import main

sys.exit(main())
