"""The diary code (see screening/link_codes.py): printed on the sheet or emailed, never stored."""

from __future__ import annotations

from ..link_codes import LinkCodes, code_hash, formatted

__all__ = ["code_for", "code_hash", "expand", "formatted", "new_link_id", "placeholder"]

_DIARY = LinkCodes("diary")
new_link_id = _DIARY.new_link_id
code_for = _DIARY.code_for
placeholder = _DIARY.placeholder
expand = _DIARY.expand
