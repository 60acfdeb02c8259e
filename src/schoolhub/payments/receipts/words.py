"""VND amounts as digits ("1.250.000 ₫") and as Vietnamese words ("Một triệu ... đồng").

Reading rules (standard Northern forms, as printed in "Số tiền bằng chữ" on receipts):

* the number is read in groups of three digits: đơn vị, nghìn, triệu, tỷ; above a tỷ the prefix is
  read recursively ("một nghìn tỷ", "một tỷ tỷ");
* a group that is zero is skipped entirely ("một triệu đồng", "một tỷ đồng");
* a non-leading group below 100 reads its hundreds as "không trăm" ("một nghìn không trăm linh năm");
* tens digit 0 with a units digit after a hundreds word reads "linh" (Northern; the Southern form is
  "lẻ"): 101 -> "một trăm linh một";
* "mười" for ten, "mươi" for 20-90; units 1 after 20+ reads "mốt" (21 -> "hai mươi mốt") but 11 is
  "mười một"; units 5 after any ten reads "lăm" (15 -> "mười lăm", 25 -> "hai mươi lăm");
* units 4 after 20+ stays "bốn" (24 -> "hai mươi bốn"): "tư" is an accepted variant but "bốn" is
  unambiguous in writing and is what accounting software prints;
* "tỷ" (not "tỉ"), "nghìn" (not the Southern "ngàn"); the first letter is capitalised and the text
  ends with "đồng" (0 -> "Không đồng").
"""

from __future__ import annotations

from schoolhub.payments.receipts.errors import InvalidAmountError

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUP_UNITS = ("", "nghìn", "triệu")
_BILLION = 1_000_000_000


def _check_amount(n: object) -> int:
    # bool is a subclass of int: reject it explicitly (True is not 1 đồng).
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidAmountError(f"amount must be an int of VND, got {type(n).__name__}")
    if n < 0:
        raise InvalidAmountError(f"amount must not be negative, got {n}")
    return n


def _read_group(n: int, *, leading: bool) -> list[str]:
    """Words of a three-digit group 1..999. A leading group omits "không trăm" and "linh"."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or not leading:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(_DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(_DIGITS[units])
    return words


def _read_below_billion(n: int, *, leading: bool) -> list[str]:
    groups = [(n // 1_000_000) % 1000, (n // 1000) % 1000, n % 1000]
    words: list[str] = []
    for index, group in enumerate(groups):
        if group == 0:
            continue
        words += _read_group(group, leading=leading and not words)
        unit = _GROUP_UNITS[2 - index]
        if unit:
            words.append(unit)
    return words


def _read(n: int, *, leading: bool) -> list[str]:
    if n < _BILLION:
        return _read_below_billion(n, leading=leading)
    high, low = divmod(n, _BILLION)
    words = [*_read(high, leading=leading), "tỷ"]
    if low:
        words += _read_below_billion(low, leading=False)
    return words


def vnd_in_words(n: int) -> str:
    """Read a VND amount in Vietnamese: 1_250_000 -> "Một triệu hai trăm năm mươi nghìn đồng".

    Raises InvalidAmountError for negatives and for anything that is not an ``int`` (floats, bools,
    Decimals, strings).
    """
    amount = _check_amount(n)
    words = _read(amount, leading=True) if amount else ["không"]
    text = " ".join([*words, "đồng"])
    return text[0].upper() + text[1:]


def format_vnd(n: int) -> str:
    """Digits grouped with dots, Vietnamese style, then the đồng sign: 1250000 -> "1.250.000 ₫"."""
    amount = _check_amount(n)
    return f"{amount:,}".replace(",", ".") + " ₫"
