"""Vietnamese folding and ranking (schoolhub.platform.vntext)."""

import unicodedata

import pytest

from schoolhub.platform.vntext import fold, rank, tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn", "nguyen"),
        ("Đông Hà", "dong ha"),
        ("đường", "duong"),
        ("ĐẶNG THỊ THUỲ", "dang thi thuy"),
        ("  Lê   Văn\tHưu \n", "le van huu"),
        ("Trường THCS Hướng Hoá", "truong thcs huong hoa"),
        ("Quảng Trị", "quang tri"),
        ("", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_treats_nfc_and_nfd_alike_and_is_idempotent() -> None:
    nfc = unicodedata.normalize("NFC", "Nguyễn Thị Ánh")
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert nfc != nfd
    assert fold(nfc) == fold(nfd) == "nguyen thi anh"
    assert fold(fold(nfc)) == fold(nfc)


def test_d_with_stroke_is_not_decomposed_by_nfd_so_it_is_mapped_by_hand() -> None:
    assert unicodedata.normalize("NFD", "Đ") == "Đ"  # why the manual mapping exists
    assert fold("Đ") == "d"
    assert fold("đ") == "d"


def test_tokens() -> None:
    assert tokens("Nguyễn Văn-An, lớp 10A1") == ["nguyen", "van", "an", "lop", "10a1"]
    assert tokens("student_code") == ["student", "code"]
    assert tokens("   ") == []


def test_nguyen_matches_unaccented_query() -> None:
    assert rank("nguyen", "Nguyễn") == 5  # folded whole match
    assert rank("Nguyễn", "Nguyễn") == 15  # exact whole match
    assert rank("nguyen", "Trần Nguyễn") == 3  # folded word prefix


def test_dong_matches_dong() -> None:
    assert rank("dong", "Đông") == 5
    assert rank("Đông", "đông") == 15  # case-insensitive, still exact


def test_exact_diacritic_match_ranks_above_folded_matches() -> None:
    candidates = ["Dòng", "Dong Ha", "Đông Hà", "Cam Lộ"]
    scores = {c: rank("Đông", c) for c in candidates}
    assert scores == {"Dòng": 5, "Dong Ha": 4, "Đông Hà": 14, "Cam Lộ": 0}
    ordered = sorted((c for c in candidates if scores[c]), key=lambda c: -scores[c])
    assert ordered == ["Đông Hà", "Dòng", "Dong Ha"]


def test_prefix_ranks_above_word_prefix_above_infix() -> None:
    assert rank("an", "An Bình") == 14  # prefix
    assert rank("an", "Hoài An") == 13  # word prefix
    assert rank("an", "Lan") == 12  # infix
    assert rank("lan", "Lân") == 5  # only folded
    assert rank("lan", "Tố Lân") == 3  # folded word prefix


def test_all_query_words_start_candidate_words() -> None:
    assert rank("nguyen an", "Nguyễn Văn An") == 1
    assert rank("Nguyễn An", "Nguyễn Văn An") == 11
    assert rank("nguyen binh", "Nguyễn Văn An") == 0


def test_no_match_and_empty_query() -> None:
    assert rank("Huế", "Đông Hà") == 0
    assert rank("", "Đông Hà") == 0
    assert rank("   ", "Đông Hà") == 0
