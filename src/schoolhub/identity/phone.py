"""Vietnamese mobile numbers, normalised to E.164 (+84 followed by 9 digits)."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^\+84(3|5|7|8|9)[0-9]{8}$")


def normalise_phone(raw: str) -> str | None:
    """Return ``+84xxxxxxxxx`` for a Vietnamese mobile number in any common form, else None."""
    digits = re.sub(r"[\s.\-()]", "", raw.strip())
    if digits.startswith("+84"):
        candidate = digits
    elif digits.startswith("84") and len(digits) == 11:
        candidate = "+" + digits
    elif digits.startswith("0") and len(digits) == 10:
        candidate = "+84" + digits[1:]
    else:
        return None
    return candidate if _MOBILE.match(candidate) else None
