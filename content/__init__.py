"""Everything StrideCoach knows, and the understanding step (no Telegram imports)."""

from stridecoach.content.loader import ContentError, check_outline_ids, load_library

__all__ = ["ContentError", "check_outline_ids", "load_library"]
