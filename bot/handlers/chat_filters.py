"""The update filters every feature shares."""

from telegram.ext import filters

PRIVATE = filters.ChatType.PRIVATE
# New private messages only: an edited "done" carries a new update id and must
# not count again, and an edited question has already been answered.
PRIVATE_MESSAGE = PRIVATE & filters.UpdateType.MESSAGE
