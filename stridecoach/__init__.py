"""StrideCoach: a Telegram bot that coaches runners through calf and lower-back strength work.

The distribution installs one namespace. The source folders stay at the top of the
repository (see pyproject.toml's package-dir):

- ``stridecoach.domain``: plain-Python coaching rules (session machine, plans, schedule
  arithmetic, progress); no Telegram, no database;
- ``stridecoach.content``: the articles' knowledge as data and the understanding step;
- ``stridecoach.storage``: the database (SQLModel, Alembic migrations);
- ``stridecoach.bot``: the Telegram shell (python-telegram-bot) and its composition root.
"""
