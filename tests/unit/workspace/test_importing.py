"""Roster import: real XLSX files (openpyxl) and CSV bytes, every bad line reported."""

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from schoolhub.workspace.importing import (
    BadEncoding,
    ClassRef,
    DuplicateColumn,
    EmptyFile,
    FileFormat,
    FileTooLarge,
    Gender,
    GuardianLink,
    ImportLimits,
    ImportOptions,
    IssueCode,
    MissingColumns,
    Relationship,
    RowIssue,
    StudentRow,
    TooManyRows,
    UnsupportedFormat,
    detect_format,
    parse_roster,
)
from schoolhub.workspace.importing.fields import (
    canonical_field,
    parse_birth_date,
    parse_class,
    parse_flag,
    parse_gender,
    parse_personal_id,
    parse_phone,
    parse_relationship,
    parse_student_code,
)

TODAY = date(2026, 9, 1)
OPTIONS = ImportOptions(today=TODAY)
VN_HEADER = (
    "STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Số định danh cá nhân",
    "Họ tên phụ huynh", "Quan hệ", "SĐT phụ huynh", "Liên hệ chính",
    "Họ tên phụ huynh 2", "Quan hệ 2", "SĐT phụ huynh 2", "Liên hệ chính 2",
)  # fmt: skip


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Danh sách"
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


# ---------------------------------------------------------------- happy path


def test_valid_xlsx_with_diacritics_date_cells_and_two_guardians(tmp_path: Path) -> None:
    rows: list[tuple[object, ...]] = [
        VN_HEADER,
        (1, "0123456789", "Nguyễn Thị Ánh", datetime(2014, 3, 5), "Nữ", "6A", "045314000123",
         "Nguyễn Văn Bình", "Bố", "0912 345 678", "", "Trần Thị Cúc", "Mẹ", 987654321, "x"),
        (2, "HS2025ab", "Lê  Văn   Đức", "07/11/2010", "Nam", "10a1", 45210000456,
         "Lê Văn Em", "Ông nội", "+84 35 123 4567", None, None, None, None, None),
        (3, 9876543210, "Hồ Thị Giang", "2014-12-31", "nữ", "6A", None,
         None, None, None, None, None, None, None, None),
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "roster.xlsx", rows)
    result = parse_roster(path, options=OPTIONS)

    assert result.issues == ()
    assert result.rows_read == 3
    assert result.ok
    plan = result.plan
    assert plan is not None
    assert plan.classes == (ClassRef("6A", 6), ClassRef("10A1", 10))
    assert plan.students == (
        StudentRow(2, "0123456789", "Nguyễn Thị Ánh", date(2014, 3, 5), Gender.FEMALE, "6A",
                   "045314000123"),
        StudentRow(3, "HS2025AB", "Lê Văn Đức", date(2010, 11, 7), Gender.MALE, "10A1",
                   "045210000456"),
        StudentRow(4, "9876543210", "Hồ Thị Giang", date(2014, 12, 31), Gender.FEMALE, "6A", None),
    )  # fmt: skip
    assert plan.guardians == (
        GuardianLink(
            2, "0123456789", "Nguyễn Văn Bình", Relationship.FATHER, "+84912345678", False
        ),
        GuardianLink(2, "0123456789", "Trần Thị Cúc", Relationship.MOTHER, "+84987654321", True),
        GuardianLink(3, "HS2025AB", "Lê Văn Em", Relationship.GRANDPARENT, "+84351234567", True),
    )
    assert plan.warnings == ()


def test_nfd_names_are_stored_nfc(tmp_path: Path) -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Phạm Thị Huệ")
    rows: list[tuple[object, ...]] = [
        ("Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp"),
        ("A1", nfd, "01/01/2015", "Nữ", "5B"),
    ]
    result = parse_roster(write_xlsx(tmp_path / "nfd.xlsx", rows), options=OPTIONS)
    assert result.plan is not None
    assert result.plan.students[0].full_name == unicodedata.normalize("NFC", "Phạm Thị Huệ")


# ---------------------------------------------------------------- every bad row


def test_xlsx_bad_rows_are_all_reported_with_line_column_and_reason(tmp_path: Path) -> None:
    rows: list[tuple[object, ...]] = [
        VN_HEADER,
        # line 2: fine
        (1, "HS001", "Nguyễn Văn An", "05/09/2014", "Nam", "6A", None,
         "Nguyễn Văn Ba", "Cha", "0912345678", None, None, None, None, None),
        # line 3: 31/02 does not exist; guardian phone is a landline
        (2, "HS002", "Trần Thị Bích", "31/02/2014", "Nữ", "6A", None,
         "Trần Văn Cường", "Bố", "0233 3852 123", None, None, None, None, None),
        # line 4: duplicate of line 2; birth date in the future
        (3, "HS001", "Lê Thị Diệu", "15/10/2026", "Nữ", "6B", None,
         None, None, None, None, None, None, None, None),
        # line 5: implausible birth year, unknown class format, ambiguous "Ba"
        (4, "HS004", "Phạm Đức Em", datetime(1950, 1, 1), "Nam", "6", None,
         "Phạm Văn Giàu", "Ba", "0987654321", None, None, None, None, None),
        # line 6: code too long, missing name, bad gender, bad 11-digit text personal id
        (5, "HS0000000000000000005", "", "01/01/2013", "Trai-gái", "7A", "04521300012",
         None, None, None, None, None, None, None, None),
        # line 7: unparsable date, code with a dash, guardian without phone, both primary
        (6, "HS-006", "Võ Thị Hạnh", "2014/13/01", "Nữ", "Lớp 6A", None,
         "Võ Văn Ích", "Mẹ", None, "x", "Võ Thị Kim", "Bà ngoại", "0912345679", "có"),
        # line 8: missing student code and class; phone with too many digits
        (7, None, "Đặng Văn Long", "02/02/2014", "Nam", None, None,
         "Đặng Thị Mai", "Mẹ", "09123456789", None, None, None, None, None),
        # line 9: duplicate of line 2 again; bad flag
        (8, "hs001", "Bùi Văn Nam", "03/03/2014", "Nam", "6A", None,
         "Bùi Thị Oanh", "Mẹ", "0912345670", "maybe", None, None, None, None),
    ]  # fmt: skip
    result = parse_roster(write_xlsx(tmp_path / "bad.xlsx", rows), options=OPTIONS)

    assert result.plan is None
    assert result.rows_read == 8
    assert result.issues == (
        RowIssue(3, "Ngày sinh", IssueCode.BAD_DATE, "31/02/2014"),
        RowIssue(3, "SĐT phụ huynh", IssueCode.BAD_PHONE, "0233 3852 123"),
        RowIssue(4, "Ngày sinh", IssueCode.BIRTH_DATE_FUTURE, "15/10/2026"),
        RowIssue(4, "Mã học sinh", IssueCode.DUPLICATE_STUDENT_CODE, "HS001", related_line=2),
        RowIssue(5, "Ngày sinh", IssueCode.BIRTH_DATE_IMPLAUSIBLE, "1950-01-01"),
        RowIssue(5, "Lớp", IssueCode.BAD_CLASS, "6"),
        RowIssue(5, "Quan hệ", IssueCode.BAD_RELATIONSHIP, "Ba"),
        RowIssue(6, "Mã học sinh", IssueCode.BAD_STUDENT_CODE, "HS0000000000000000005"),
        RowIssue(6, "Họ và tên", IssueCode.MISSING_REQUIRED),
        RowIssue(6, "Giới tính", IssueCode.BAD_GENDER, "Trai-gái"),
        RowIssue(6, "Số định danh cá nhân", IssueCode.BAD_PERSONAL_ID),  # value never echoed
        RowIssue(7, "Mã học sinh", IssueCode.BAD_STUDENT_CODE, "HS-006"),
        RowIssue(7, "Ngày sinh", IssueCode.BAD_DATE, "2014/13/01"),
        RowIssue(7, "SĐT phụ huynh", IssueCode.MISSING_REQUIRED),
        RowIssue(7, "Liên hệ chính 2", IssueCode.MULTIPLE_PRIMARY_CONTACTS),
        RowIssue(8, "Mã học sinh", IssueCode.MISSING_REQUIRED),
        RowIssue(8, "Lớp", IssueCode.MISSING_REQUIRED),
        RowIssue(8, "SĐT phụ huynh", IssueCode.BAD_PHONE, "09123456789"),
        RowIssue(9, "Liên hệ chính", IssueCode.BAD_FLAG, "maybe"),
        RowIssue(9, "Mã học sinh", IssueCode.DUPLICATE_STUDENT_CODE, "HS001", related_line=2),
    )
    assert sorted({i.line for i in result.issues}) == [3, 4, 5, 6, 7, 8, 9]


def test_duplicate_personal_id_and_class_grade_not_allowed(tmp_path: Path) -> None:
    rows: list[tuple[object, ...]] = [
        ("Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Số định danh cá nhân"),
        ("A1", "Ngô Văn A", "01/01/2014", "Nam", "6A", "045214000001"),
        ("A2", "Ngô Văn B", "01/01/2014", "Nam", "6A", "045214000001"),
        ("A3", "Ngô Văn C", "01/01/2018", "Nam", "2A", None),
    ]
    options = ImportOptions(today=TODAY, allowed_grades=frozenset(range(6, 10)))
    result = parse_roster(write_xlsx(tmp_path / "dup.xlsx", rows), options=options)
    assert result.issues == (
        RowIssue(3, "Số định danh cá nhân", IssueCode.DUPLICATE_PERSONAL_ID, related_line=2),
        RowIssue(4, "Lớp", IssueCode.CLASS_GRADE_NOT_ALLOWED, "2A"),
    )


# ---------------------------------------------------------------- CSV


def test_csv_with_bom_semicolons_and_english_headers() -> None:
    text = (
        "student_code;full_name;date_of_birth;gender;class;guardian_name;relationship;"
        "guardian_phone;primary_contact\r\n"
        "S1;Nguyễn Thị Ánh;05/03/2014;female;6A;Nguyễn Văn Bình;father;84912345678;yes\r\n"
        "S2;Trần Văn Bảo;31/04/2014;male;6A;;;;\r\n"
        'S3;"Lê; Văn Chí";2014-01-01;male;6/1;Lê Thị Dung;mother;+84 91 234 5678;\r\n'
    )
    data = "\ufeff".encode() + text.encode("utf-8")
    result = parse_roster(data, options=OPTIONS, filename="roster.csv")
    assert result.issues == (RowIssue(3, "date_of_birth", IssueCode.BAD_DATE, "31/04/2014"),)
    fixed = data.replace(b"31/04/2014", b"30/04/2014")
    plan = parse_roster(fixed, options=OPTIONS).plan
    assert plan is not None
    assert [s.full_name for s in plan.students] == ["Nguyễn Thị Ánh", "Trần Văn Bảo", "Lê; Văn Chí"]
    assert plan.classes == (ClassRef("6/1", 6), ClassRef("6A", 6))
    assert [(g.student_code, g.phone, g.is_primary) for g in plan.guardians] == [
        ("S1", "+84912345678", True),
        ("S3", "+84912345678", True),
    ]


def test_csv_without_bom_commas_blank_lines_and_quoted_newline() -> None:
    text = (
        "Mã định danh,Họ tên,Ngày sinh,Giới tính,Lớp\n"
        "B1,Hoàng Văn Lâm,1/2/2015,Nam,5A\n"
        "\n"
        ",,,,\n"
        'B2,"Hoàng Thị\nMơ",2/3/2015,Nữ,5A\n'
        "B3,Hoàng Văn Nam,99/99/2015,Nam,5A\n"
    )
    result = parse_roster(text.encode(), options=OPTIONS, fmt=FileFormat.CSV)
    # Blank lines count; the quoted newline keeps B2 one record (line 5); B3 is record 6.
    assert result.issues == (RowIssue(6, "Ngày sinh", IssueCode.BAD_DATE, "99/99/2015"),)
    assert result.rows_read == 3


def test_title_block_above_the_header(tmp_path: Path) -> None:
    rows: list[tuple[object, ...]] = [
        ("SỞ GIÁO DỤC VÀ ĐÀO TẠO QUẢNG TRỊ",),
        ("DANH SÁCH HỌC SINH NĂM HỌC 2026-2027",),
        (),
        ("Mã HS", "Họ và tên học sinh", "Ngày tháng năm sinh", "Giới tính", "Tên lớp"),
        ("Q1", "Y Bình", "12/12/2012", "Nữ", "8C"),
        ("Q2", "A Ly", "12/12/2012", "X", "8C"),
    ]
    result = parse_roster(write_xlsx(tmp_path / "title.xlsx", rows), options=OPTIONS)
    assert result.issues == (RowIssue(6, "Giới tính", IssueCode.BAD_GENDER, "X"),)


# ---------------------------------------------------------------- file-level errors


def test_missing_and_duplicate_columns(tmp_path: Path) -> None:
    rows: list[tuple[object, ...]] = [("Mã học sinh", "Họ và tên", "Lớp"), ("A", "B", "6A")]
    with pytest.raises(MissingColumns) as missing:
        parse_roster(write_xlsx(tmp_path / "m.xlsx", rows), options=OPTIONS)
    assert missing.value.code == "MISSING_COLUMNS"
    assert missing.value.detail == ("birth_date", "gender")
    with pytest.raises(MissingColumns) as nothing:
        parse_roster(b"a,b,c\n1,2,3\n", options=OPTIONS)
    assert nothing.value.detail == (
        "student_code",
        "full_name",
        "birth_date",
        "gender",
        "class_name",
    )
    with pytest.raises(MissingColumns) as two_known:
        parse_roster("Mã HS,Họ tên,Birthday,Phái\nA,B,C,D\n".encode(), options=OPTIONS)
    assert two_known.value.detail == ("birth_date", "gender", "class_name")
    dup = "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp,Class\n".encode()
    with pytest.raises(DuplicateColumn) as duplicate:
        parse_roster(dup, options=OPTIONS)
    assert (duplicate.value.code, duplicate.value.detail) == ("DUPLICATE_COLUMN", "class_name")


def test_empty_bad_encoding_and_unsupported_format(tmp_path: Path) -> None:
    with pytest.raises(EmptyFile):
        parse_roster(b"", options=OPTIONS)
    with pytest.raises(EmptyFile):
        parse_roster("\ufeff \n".encode(), options=OPTIONS)
    header_only = "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n".encode()
    with pytest.raises(EmptyFile):
        parse_roster(header_only, options=OPTIONS)
    legacy = "Mã,Tên\nA,Bê\n".encode("latin-1")  # a legacy single-byte export
    with pytest.raises(BadEncoding) as encoding:
        parse_roster(legacy, options=OPTIONS)
    assert encoding.value.code == "BAD_ENCODING"
    with pytest.raises(UnsupportedFormat) as xls:
        parse_roster(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, options=OPTIONS)
    assert xls.value.detail == "xls"
    with pytest.raises(UnsupportedFormat):
        parse_roster(b"PK\x03\x04 not really a zip", options=OPTIONS)
    with pytest.raises(UnsupportedFormat):
        detect_format(b"a,b\n", "roster.xlsx")
    path = write_xlsx(tmp_path / "ok.xlsx", [("a",)])
    assert detect_format(path) is FileFormat.XLSX
    assert detect_format(b"a;b\n", "roster.csv") is FileFormat.CSV


def test_size_cap_and_row_cap(tmp_path: Path) -> None:
    header = "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
    body = "".join(f"C{i},Tên {i},01/01/2014,Nam,6A\n" for i in range(11))
    data = (header + body).encode()
    with pytest.raises(FileTooLarge) as too_large:
        parse_roster(data, options=OPTIONS, limits=ImportLimits(max_bytes=100))
    assert (too_large.value.code, too_large.value.detail) == ("FILE_TOO_LARGE", len(data))
    with pytest.raises(TooManyRows) as too_many:
        parse_roster(data, options=OPTIONS, limits=ImportLimits(max_rows=10))
    assert too_many.value.code == "TOO_MANY_ROWS"
    assert parse_roster(data, options=OPTIONS, limits=ImportLimits(max_rows=11)).ok
    rows = [tuple(header.strip().split(","))] + [
        (f"C{i}", "Tên", "01/01/2014", "Nam", "6A") for i in range(11)
    ]
    big = write_xlsx(tmp_path / "big.xlsx", rows)
    with pytest.raises(TooManyRows):
        parse_roster(big, options=OPTIONS, limits=ImportLimits(max_rows=10))
    with pytest.raises(FileTooLarge) as bomb:
        parse_roster(big, options=OPTIONS, limits=ImportLimits(max_uncompressed_bytes=4096))
    assert isinstance(bomb.value.detail, int)
    assert bomb.value.detail > 4096


# ---------------------------------------------------------------- progress, warnings


def test_progress_callback_and_class_size_warning(tmp_path: Path) -> None:
    rows: list[tuple[object, ...]] = [("Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp")]
    rows += [(f"P{i}", f"Học sinh {i}", "01/01/2018", "Nữ", "3A") for i in range(36)]
    rows += [(f"Q{i}", f"Học sinh {i}", "01/01/2011", "Nam", "9A") for i in range(4)]
    calls: list[tuple[int, int | None]] = []
    options = ImportOptions(today=TODAY, progress_every=10, secondary_class_size=3)
    result = parse_roster(
        write_xlsx(tmp_path / "p.xlsx", rows),
        options=options,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(10, 40), (20, 40), (30, 40), (40, 40), (40, 40)]
    assert result.plan is not None
    assert result.plan.warnings == (
        RowIssue(37, None, IssueCode.CLASS_SIZE_ABOVE_NORM, "3A"),
        RowIssue(41, None, IssueCode.CLASS_SIZE_ABOVE_NORM, "9A"),
    )
    csv_calls: list[tuple[int, int | None]] = []
    data = "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\nA,B,01/01/2014,Nam,6A\n".encode()
    parse_roster(data, options=options, progress=lambda d, t: csv_calls.append((d, t)))
    assert csv_calls == [(1, 1)]


# ---------------------------------------------------------------- cell parsers


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Mã định danh", "student_code"),
        ("Mã học sinh", "student_code"),
        ("student_code", "student_code"),
        ("Họ và tên *", "full_name"),
        ("HỌ TÊN", "full_name"),
        ("Ngày sinh (dd/mm/yyyy)", "birth_date"),
        ("Giới tính", "gender"),
        ("Lớp", "class_name"),
        ("Số định danh cá nhân", "personal_id"),
        ("Họ tên phụ huynh", "guardian_name#1"),
        ("SĐT phụ huynh (2)", "guardian_phone#2"),
        ("sdt_phu_huynh_2", "guardian_phone#2"),
        ("Quan hệ", "guardian_relationship#1"),
        ("Liên hệ chính", "guardian_primary#1"),
        ("SĐT phụ huynh 3", None),
        ("Lớp 2", None),
        ("STT", None),
        ("Ghi chú", None),
    ],
)
def test_canonical_field(header: str, field: str | None) -> None:
    assert canonical_field(header) == field


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "+84912345678"),
        ("091.234.5678", "+84912345678"),
        ("(+84) 912-345-678", "+84912345678"),
        ("84912345678", "+84912345678"),
        (84912345678, "+84912345678"),
        (912345678, "+84912345678"),  # numeric cell lost its leading 0
        (912345678.0, "+84912345678"),
        ("0351234567", "+84351234567"),
        ("0561234567", "+84561234567"),
        ("0701234567", "+84701234567"),
        ("0812345678", "+84812345678"),
        ("912345678", IssueCode.BAD_PHONE),  # text cells must be complete
        ("0233852123", IssueCode.BAD_PHONE),  # landline
        ("01234567890", IssueCode.BAD_PHONE),  # pre-2018 11-digit number
        ("0612345678", IssueCode.BAD_PHONE),
        ("+849123456789", IssueCode.BAD_PHONE),
        ("09l2345678", IssueCode.BAD_PHONE),
        ("", IssueCode.MISSING_REQUIRED),
        (None, IssueCode.MISSING_REQUIRED),
    ],
)
def test_parse_phone(raw: object, expected: object) -> None:
    assert parse_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/09/2014", date(2014, 9, 5)),  # dd/mm, never mm/dd
        ("5/9/2014", date(2014, 9, 5)),
        ("05-09-2014", date(2014, 9, 5)),
        ("05.09.2014", date(2014, 9, 5)),
        ("2014-09-05", date(2014, 9, 5)),
        ("2014-09-05 00:00:00", date(2014, 9, 5)),
        (datetime(2014, 9, 5, 0, 0), date(2014, 9, 5)),
        (date(2014, 9, 5), date(2014, 9, 5)),
        (41887, date(2014, 9, 5)),  # Excel serial
        (41887.0, date(2014, 9, 5)),
        (41887.5, IssueCode.BAD_DATE),
        (0, IssueCode.BAD_DATE),
        ("29/02/2015", IssueCode.BAD_DATE),
        ("29/02/2016", date(2016, 2, 29)),
        ("09/2014", IssueCode.BAD_DATE),
        ("", IssueCode.MISSING_REQUIRED),
        (True, IssueCode.BAD_DATE),
    ],
)
def test_parse_birth_date(raw: object, expected: object) -> None:
    assert parse_birth_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6A", ClassRef("6A", 6)),
        ("10A1", ClassRef("10A1", 10)),
        ("12 a2", ClassRef("12A2", 12)),
        ("Lớp 9B", ClassRef("9B", 9)),
        ("1A", ClassRef("1A", 1)),
        ("6/1", ClassRef("6/1", 6)),
        ("11CL", ClassRef("11CL", 11)),
        ("6", IssueCode.BAD_CLASS),
        ("11", IssueCode.BAD_CLASS),
        ("13A", IssueCode.BAD_CLASS),
        ("0A", IssueCode.BAD_CLASS),
        ("6Ă", IssueCode.BAD_CLASS),
        ("A6", IssueCode.BAD_CLASS),
        ("", IssueCode.MISSING_REQUIRED),
    ],
)
def test_parse_class(raw: str, expected: object) -> None:
    assert parse_class(raw) == expected


def test_parse_relationship_gender_flag_codes() -> None:
    R = Relationship
    assert [
        parse_relationship(v)
        for v in ("Bố", "Cha", "Mẹ", "MẸ", "Ông", "Bà", "Bà nội", "ông ngoại", "Khác", "mother",
                  "Grandfather", "me", "Ba", "ba", "Chú", "")
    ] == [
        R.FATHER, R.FATHER, R.MOTHER, R.MOTHER, R.GRANDPARENT, R.GRANDPARENT, R.GRANDPARENT,
        R.GRANDPARENT, R.OTHER, R.MOTHER, R.GRANDPARENT, R.MOTHER, IssueCode.BAD_RELATIONSHIP,
        IssueCode.BAD_RELATIONSHIP, IssueCode.BAD_RELATIONSHIP, IssueCode.MISSING_REQUIRED,
    ]  # fmt: skip
    assert [parse_gender(v) for v in ("Nam", "Nữ", "NU", "male", "Female", "?", None)] == [
        Gender.MALE, Gender.FEMALE, Gender.FEMALE, Gender.MALE, Gender.FEMALE,
        IssueCode.BAD_GENDER, IssueCode.MISSING_REQUIRED,
    ]  # fmt: skip
    assert [parse_flag(v) for v in ("x", "Có", "TRUE", 1, True, "", None, "không", 0, "?")] == [
        True, True, True, True, True, False, False, False, False, IssueCode.BAD_FLAG,
    ]  # fmt: skip
    assert parse_student_code(" ab12 ") == "AB12"
    assert parse_student_code(1234567890.0) == "1234567890"
    assert parse_student_code("A" * 20) == "A" * 20
    assert parse_student_code("A" * 21) is IssueCode.BAD_STUDENT_CODE
    assert parse_student_code("HSĐ1") is IssueCode.BAD_STUDENT_CODE
    assert parse_personal_id(None) is None
    assert parse_personal_id("045 214 000 001") == "045214000001"
    assert parse_personal_id(45214000001) == "045214000001"
    assert parse_personal_id("45214000001") is IssueCode.BAD_PERSONAL_ID
    assert parse_personal_id("04521400000A") is IssueCode.BAD_PERSONAL_ID
