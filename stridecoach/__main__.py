import sys

from stridecoach.bot.cli import main

sys.exit(main())
