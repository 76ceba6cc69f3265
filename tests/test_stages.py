"""Stage codes and statuses as data; unknown values are errors."""

import re

import pytest

from kb.identifiers import stages


def test_every_harmonized_code_has_a_label_and_status():
    assert len(stages.HARMONIZED) == 47
    for code in stages.HARMONIZED:
        assert stages.label(code)
        assert stages.status_for_code(code) in stages.STATUSES


@pytest.mark.parametrize(("value", "code"), [
    ("40.20", "40.20"), ("4020", "40.20"), (9092, "90.92"), (("95", "99"), "95.99"),
    (60.6, "60.60"), ("60/60", "60.60"),
])
def test_normalize_code(value, code):
    assert stages.normalize_code(value) == code


@pytest.mark.parametrize("value", ["45.45", "99.99", "DIS", "", "40.2x", True])
def test_unknown_codes_are_errors(value):
    with pytest.raises(stages.StageError, match="unknown stage code"):
        stages.normalize_code(value)


def test_draft_prefixes():
    assert [stages.code_for_prefix(p) for p in ("WD", "CD", "DIS", "FDIS")] == [
        "20", "30", "40", "50"]
    assert stages.code_for_prefix("dam") == "40"
    with pytest.raises(stages.StageError):
        stages.code_for_prefix("XYZ")


def test_status_for_code():
    assert stages.status_for_code("40.20") == "draft"
    assert stages.status_for_code("30.98") == "abandoned"
    assert stages.status_for_code("60.00") == "upcoming"
    assert stages.status_for_code("60.60") == "current"
    assert stages.status_for_code("90.93") == "current"
    assert stages.status_for_code("95.99") == "withdrawn"


def test_chinese_lifecycle_and_statuses():
    assert list(stages.CN_LIFECYCLE)[0] == "预研" and list(stages.CN_LIFECYCLE)[-1] == "废止"
    assert "立项" in stages.CN_LIFECYCLE and "实施" in stages.CN_LIFECYCLE
    assert {stages.normalize_status(s) for s in ("现行", "即将实施", "废止", "被代替")} == {
        "current", "upcoming", "withdrawn", "replaced"}
    assert stages.normalize_status("PUBLISHED") == "current"
    assert stages.normalize_status("obsoleted") == "withdrawn"
    with pytest.raises(stages.StageError, match="unknown status"):
        stages.normalize_status("maybe")
    assert stages.label("实施") == "entry into force"
    assert stages.label("现行") == "现行 (Current)"


def test_a_label_in_a_language():
    """The pages say a stage from its code in the interface language; the stored label (no
    language given) is unchanged."""
    assert stages.label("40.60", "zh") == stages.label("10.60", "zh") == "投票结束"
    assert stages.label("40.60", "en") == stages.label("40.60") == "Close of voting"
    assert stages.label("立项", "zh") == "立项" and stages.label("立项", "en") == "project approved"
    assert stages.label("现行", "en") == "Current" and stages.label("现行", "zh") == "现行"
    assert stages.label("withdrawn", "zh") == "废止"
    for code in stages.HARMONIZED:
        chinese = stages.label(code, "zh")
        assert chinese != stages.label(code) and re.search(r"[\u4e00-\u9fff]", chinese), code
    with pytest.raises(stages.StageError):
        stages.label("41.41", "zh")


def test_counts_in_a_language():
    from kb.wording import count

    assert count(244, "word") == "244 words" and count(1, "word") == "1 word"
    assert count(1244, "word", lang="zh") == "1,244 个词"
    assert count(3, "clause", lang="zh") == "3 条条款"
    with pytest.raises(ValueError):
        count(2, "file", lang="zh")
