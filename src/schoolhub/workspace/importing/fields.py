"""Header aliases and cell parsers of the roster import.

Each parser takes a raw cell (``str`` from CSV;
``str``/``int``/``float``/``datetime``/``bool``/``None`` from openpyxl) and returns the typed value
or an ``IssueCode``; none of them raises on bad data.

Spreadsheet habits handled here (common in school exports):

* Excel drops leading zeros from numbers typed into General cells: phone ``0912345678`` arrives as
  ``912345678`` and a personal id ``045206000123`` as ``45206000123``. Numeric cells get the zero
  back; text cells must be complete.
* Dates arrive as ``dd/mm/yyyy`` (Vietnamese order, never mm/dd), ``yyyy-mm-dd``, real date cells,
  or Excel serial numbers.
* "Bà" is grandmother while "Ba" is how southern families write "father": the relationship is read
  with its diacritics, and an unaccented "ba" is rejected as ambiguous instead of guessed.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta

from schoolhub.identity.phone import normalise_phone
from schoolhub.platform.vntext import fold
from schoolhub.workspace.importing.model import ClassRef, Gender, IssueCode, Relationship

__all__ = [
    "FIELD_ALIASES",
    "REQUIRED_FIELDS",
    "canonical_field",
    "cell_text",
    "parse_birth_date",
    "parse_class",
    "parse_flag",
    "parse_gender",
    "parse_personal_id",
    "parse_phone",
    "parse_relationship",
    "parse_student_code",
]

# Canonical field -> folded header aliases (see ``canonical_field`` for the folding).
FIELD_ALIASES: dict[str, frozenset[str]] = {
    "student_code": frozenset(
        {"ma dinh danh", "ma hoc sinh", "ma hs", "ma dinh danh hoc sinh", "student code",
         "student id", "mahocsinh"}
    ),
    "full_name": frozenset(
        {"ho va ten", "ho ten", "ho ten hoc sinh", "ho va ten hoc sinh", "ten hoc sinh",
         "full name", "student name", "name"}
    ),
    "birth_date": frozenset(
        {"ngay sinh", "ngay thang nam sinh", "date of birth", "birth date", "birthdate", "dob"}
    ),
    "gender": frozenset({"gioi tinh", "gender", "sex"}),
    "class_name": frozenset({"lop", "ten lop", "lop hoc", "class", "class name"}),
    "personal_id": frozenset(
        {"so dinh danh ca nhan", "so dinh danh", "so cccd", "cccd", "personal id",
         "personal id number", "sodinhdanh"}
    ),
    "guardian_name": frozenset(
        {"ho ten phu huynh", "ho va ten phu huynh", "ten phu huynh", "phu huynh",
         "ho ten cha me", "guardian name", "guardian", "parent name"}
    ),
    "guardian_relationship": frozenset(
        {"quan he", "moi quan he", "quan he voi hoc sinh", "relationship", "relation"}
    ),
    "guardian_phone": frozenset(
        {"sdt phu huynh", "so dien thoai phu huynh", "dien thoai phu huynh", "sdt",
         "so dien thoai", "dien thoai", "guardian phone", "parent phone", "phone"}
    ),
    "guardian_primary": frozenset(
        {"lien he chinh", "nguoi lien he chinh", "primary contact", "is primary", "primary"}
    ),
}  # fmt: skip
REQUIRED_FIELDS: tuple[str, ...] = (
    "student_code",
    "full_name",
    "birth_date",
    "gender",
    "class_name",
)
GUARDIAN_FIELDS = ("guardian_name", "guardian_relationship", "guardian_phone", "guardian_primary")
GUARDIAN_SLOTS = (1, 2)

_SLOT_SUFFIX = re.compile(r"^(.*?)\s*(?:\((\d)\)|\s(\d))$")
_PARENTHESES = re.compile(r"\([^)]*\)")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def canonical_field(header: str) -> str | None:
    """Map a header cell to a canonical field, guardian fields as ``guardian_phone#2`` etc.

    Folding ignores case, diacritics, punctuation, "*" required markers and hints in parentheses:
    "SĐT phụ huynh (2)", "sdt_phu_huynh 2" and "Số điện thoại phụ huynh" all work.
    """
    text = fold(header).replace("_", " ")
    slot = 1
    match = _SLOT_SUFFIX.match(text)
    if match and (match.group(2) or match.group(3)):
        text, slot = match.group(1), int(match.group(2) or match.group(3))
    text = _NON_ALNUM.sub(" ", _PARENTHESES.sub(" ", text)).strip()
    for field_name, aliases in FIELD_ALIASES.items():
        if text in aliases:
            if field_name in GUARDIAN_FIELDS:
                return f"{field_name}#{slot}" if slot in GUARDIAN_SLOTS else None
            return field_name if slot == 1 else None
    return None


def cell_text(value: object) -> str:
    """Text of a cell: NFC, trimmed, inner whitespace collapsed; integral floats lose ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    text = value.isoformat() if isinstance(value, date) else str(value)
    return " ".join(unicodedata.normalize("NFC", text).split())


_STUDENT_CODE = re.compile(r"^[A-Z0-9]{1,20}$")


def parse_student_code(value: object) -> str | IssueCode:
    """MOET student code (mahocsinh VARCHAR(20)): 1-20 ASCII letters/digits, stored upper-case."""
    text = cell_text(value).upper()
    if not text:
        return IssueCode.MISSING_REQUIRED
    return text if _STUDENT_CODE.match(text) else IssueCode.BAD_STUDENT_CODE


def parse_personal_id(value: object) -> str | IssueCode | None:
    """Optional 12-digit số định danh cá nhân; a numeric cell of 11 digits regains its leading 0."""
    text = cell_text(value).replace(" ", "")
    if not text:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and len(text) == 11:
        text = "0" + text
    if len(text) == 12 and text.isascii() and text.isdigit():
        return text
    return IssueCode.BAD_PERSONAL_ID


_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (ignoring the 1900 leap-year bug)


def parse_birth_date(value: object) -> date | IssueCode:
    """A date: real date cell, Excel serial number, ``dd/mm/yyyy`` (also ``-``/``.``) or ISO."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value <= 2_958_465 or not float(value).is_integer():
            return IssueCode.BAD_DATE
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = cell_text(value)
    if not text:
        return IssueCode.MISSING_REQUIRED
    if match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _YMD.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        return IssueCode.BAD_DATE
    try:
        return date(year, month, day)
    except ValueError:
        return IssueCode.BAD_DATE


_GENDERS = {
    "nam": Gender.MALE, "male": Gender.MALE, "m": Gender.MALE, "trai": Gender.MALE,
    "nu": Gender.FEMALE, "female": Gender.FEMALE, "f": Gender.FEMALE, "gai": Gender.FEMALE,
}  # fmt: skip


def parse_gender(value: object) -> Gender | IssueCode:
    text = fold(cell_text(value))
    if not text:
        return IssueCode.MISSING_REQUIRED
    return _GENDERS.get(text, IssueCode.BAD_GENDER)


# Matched with diacritics (NFC, casefolded), on the whole text or its first word.
_RELATIONSHIPS_EXACT = {
    "bố": Relationship.FATHER, "cha": Relationship.FATHER, "ba": None,
    "mẹ": Relationship.MOTHER, "má": Relationship.MOTHER, "mạ": Relationship.MOTHER,
    "ông": Relationship.GRANDPARENT, "bà": Relationship.GRANDPARENT,
    "khác": Relationship.OTHER, "người giám hộ": Relationship.OTHER,
}  # fmt: skip
# Fallback without diacritics: English and unambiguous folded Vietnamese ("ba" is not here).
_RELATIONSHIPS_FOLDED = {
    "father": Relationship.FATHER, "dad": Relationship.FATHER, "bo": Relationship.FATHER,
    "mother": Relationship.MOTHER, "mom": Relationship.MOTHER, "me": Relationship.MOTHER,
    "grandfather": Relationship.GRANDPARENT, "grandmother": Relationship.GRANDPARENT,
    "grandparent": Relationship.GRANDPARENT, "ong": Relationship.GRANDPARENT,
    "other": Relationship.OTHER, "guardian": Relationship.OTHER, "khac": Relationship.OTHER,
    "nguoi giam ho": Relationship.OTHER,
}  # fmt: skip


def parse_relationship(value: object) -> Relationship | IssueCode:
    """Bố/Cha -> father, Mẹ -> mother, Ông/Bà (nội, ngoại) -> grandparent, Khác -> other."""
    exact = cell_text(value).casefold()
    if not exact:
        return IssueCode.MISSING_REQUIRED
    for key in (exact, exact.split(" ")[0]):
        if key in _RELATIONSHIPS_EXACT:
            found = _RELATIONSHIPS_EXACT[key]
            return IssueCode.BAD_RELATIONSHIP if found is None else found
    return _RELATIONSHIPS_FOLDED.get(fold(exact), IssueCode.BAD_RELATIONSHIP)


def parse_phone(value: object) -> str | IssueCode:
    """Vietnamese mobile number to E.164 ``+84XXXXXXXXX``.

    The rules are ``schoolhub.identity.phone.normalise_phone`` (the number a guardian signs in
    with): ``0XXXXXXXXX``, ``+84``/``84`` + 9 digits, mobile ranges 03/05/07/08/09, spaces, dots,
    dashes and parentheses ignored. A numeric cell of 9 digits regains its leading 0 first.
    """
    text = cell_text(value)
    if not text:
        return IssueCode.MISSING_REQUIRED
    numeric_cell = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric_cell and len(text) == 9:
        text = "0" + text
    return normalise_phone(text) or IssueCode.BAD_PHONE


_TRUE = frozenset({"x", "co", "yes", "y", "1", "true", "v", "\u2713"})
_FALSE = frozenset({"", "khong", "no", "n", "0", "false"})


def parse_flag(value: object) -> bool | IssueCode:
    """A yes/no cell: "x", "có", "yes", "1", TRUE, ✓ are yes; blank, "không", "no", "0" are no."""
    if isinstance(value, bool):
        return value
    text = fold(cell_text(value))
    if text in _TRUE:
        return True
    return False if text in _FALSE else IssueCode.BAD_FLAG


_CLASS = re.compile(r"^(1[0-2]|[1-9])(?:([A-Z]{1,3}\d{0,2})|/(\d{1,2}))$")


def parse_class(value: object) -> ClassRef | IssueCode:
    """Class names "6A", "10A1", "12CL", "6/1" (southern style); an optional "Lớp " prefix.

    The grade is the leading 1-12; what follows is a letter group with an optional number, or a
    slash and a number. "11" alone is refused: grade 1 class 1 or grade 11?
    """
    text = cell_text(value)
    if not text:
        return IssueCode.MISSING_REQUIRED
    folded = fold(text)
    if folded.startswith("lop "):
        text = text[4:]
    name = text.replace(" ", "").upper()
    match = _CLASS.match(name) if name.isascii() else None
    if match is None:
        return IssueCode.BAD_CLASS
    return ClassRef(name=name, grade=int(match.group(1)))
