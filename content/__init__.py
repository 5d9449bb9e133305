"""Everything StrideCoach knows, and the question matcher (no Telegram imports)."""

from content.loader import ContentError, check_outline_ids, load_library
from content.matcher import Matcher, MatchResult

__all__ = ["ContentError", "Matcher", "MatchResult", "check_outline_ids", "load_library"]
