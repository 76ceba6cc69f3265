"""Stage codes and statuses as data; unknown values are errors."""

import pytest

from kb import stages


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
