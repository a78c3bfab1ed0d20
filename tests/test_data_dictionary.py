"""The data dictionaries in docs/: current with the definitions, and saying what the definitions say."""

import csv
import io
import re

import pytest

from screening import dictionary, rules
from screening import questionnaire as q

DOCS = dictionary.PROJECT_ROOT / "docs"
ADULT = "([age_band] = '18_49' or [age_band] = '50_64' or [age_band] = '65_plus')"
FIELD_TYPES = {q.SINGLE: "radio", q.MULTI: "checkbox", q.SCALE: "radio", q.TEXT: "text"}


def redcap_rows(version):
    rows = list(csv.DictReader(io.StringIO(dictionary.redcap_csv(version))))
    return {row["Variable / Field Name"]: row for row in rows}, rows


@pytest.mark.parametrize("version", q.VERSIONS)
@pytest.mark.parametrize("kind", ["md", "csv"])
def test_committed_dictionary_is_current(version, kind):
    name = f"data-dictionary-{version}.{kind}"
    path = DOCS / name
    assert path.exists(), f"docs/{name} is missing: run `flask --app run data-dictionary`"
    expected = dictionary.outputs(version)[name]
    assert path.read_text(encoding="utf-8") == expected, (
        f"docs/{name} is out of date with the definition or the rules: run `flask --app run data-dictionary`"
    )


def test_output_is_deterministic():
    for version in q.VERSIONS:
        assert dictionary.outputs(version) == dictionary.outputs(version)


def test_command_writes_every_version(runner, tmp_path):
    out = tmp_path / "new" / "docs"
    result = runner.invoke(args=["data-dictionary", "--out", str(out)])
    assert result.exit_code == 0, result.output
    expected = {f"data-dictionary-{v}.{kind}" for v in q.VERSIONS for kind in ("md", "csv")}
    assert {p.name for p in out.iterdir()} == expected
    for version in q.VERSIONS:
        for name, content in dictionary.outputs(version).items():
            assert (out / name).read_text(encoding="utf-8") == content
            assert str(out / name) in result.output


def test_every_version_has_its_rules():
    for version in q.VERSIONS:
        module = dictionary.rules_for(version)
        assert module is not None and version == module.QUESTIONNAIRE_VERSION
    assert dictionary.rules_for("9.9.9") is None
    assert rules.VERSIONS  # the registry the lookup walks


@pytest.mark.parametrize("version", q.VERSIONS)
def test_csv_has_one_field_per_item(version):
    definition = q.definition(version)
    by_name, rows = redcap_rows(version)
    header = next(csv.reader(io.StringIO(dictionary.redcap_csv(version))))
    assert tuple(header) == dictionary.REDCAP_COLUMNS
    assert [row["Variable / Field Name"] for row in rows] == list(definition.items)
    for link_id, item in definition.items.items():
        row = by_name[link_id]
        assert row["Form Name"] == definition.step_of_item[link_id].id
        assert row["Field Type"] == FIELD_TYPES[item.type]
        assert row["Field Label"] == item.text
        assert row["Required Field?"] == ("" if item.type == q.TEXT else "y")
        if item.type in (q.SINGLE, q.MULTI):
            choices = [c.split(", ", 1) for c in row["Choices, Calculations, OR Slider Labels"].split(" | ")]
            assert [code for code, _ in choices] == list(item.codes)
            assert [label for _, label in choices] == [" ".join(o.label.split()) for o in item.options]
        if item.exclusive_codes:
            assert (
                f"@NONEOFTHEABOVE='{','.join(c for c in item.codes if c in item.exclusive_codes)}'"
                in row["Field Annotation"]
            )


def test_csv_scale_and_text_fields():
    by_name, _ = redcap_rows("2.0.0")
    peg = by_name["peg_pain"]
    assert peg["Choices, Calculations, OR Slider Labels"] == " | ".join(f"{n}, {n}" for n in range(11))
    assert peg["Field Note"] == "0 = No pain; 10 = Pain as bad as you can imagine"
    assert by_name["allergy_other"]["Field Annotation"] == f"@CHARLIMIT={q.TEXT_MAX}"
    assert by_name["imaging"]["Field Annotation"] == "@NONEOFTHEABOVE='none,not_sure'"
    assert by_name["age_band"]["Section Header"] == "About you"
    assert by_name["pain_side"]["Section Header"] == ""


def test_csv_branching_logic_v2():
    by_name, _ = redcap_rows("2.0.0")
    branching = {name: row["Branching Logic (Show field only if...)"] for name, row in by_name.items()}
    assert branching["age_band"] == ""
    assert branching["red_flags"] == ""
    assert branching["pain_regions"] == ADULT[1:-1]  # the step's condition alone: no parentheses
    assert branching["limb_vs_spine"] == (
        f"{ADULT} and ([pain_spread] = 'above_knee_elbow' or [pain_spread] = 'below_knee_elbow')"
    )
    assert branching["prior_mbb_relief"] == f"{ADULT} and ([prior_procedures(mbb)] = '1')"
    assert branching["treatment_duration"] == (
        f"{ADULT} and ([treatments_tried(physical_therapy)] = '1' or [treatments_tried(chiropractic)] = '1' "
        "or [treatments_tried(exercise)] = '1' or [treatments_tried(medication)] = '1' "
        "or [treatments_tried(injections)] = '1')"
    )
    definition = q.definition("2.0.0")
    for step in definition.steps[2:]:  # every step after age and red flags is for adults only
        for item in step.items:
            assert branching[item.link_id].startswith(ADULT if item.shown_when else ADULT[1:-1]), item.link_id


def test_csv_branching_logic_v1_has_no_step_conditions():
    by_name, _ = redcap_rows("1.0.0")
    assert by_name["limb_vs_spine"]["Branching Logic (Show field only if...)"] == (
        "[pain_spread] = 'above_knee_elbow' or [pain_spread] = 'below_knee_elbow'"
    )
    assert by_name["peg_pain"]["Branching Logic (Show field only if...)"] == ""


@pytest.mark.parametrize("version", q.VERSIONS)
def test_markdown_names_every_item_and_code(version):
    text = dictionary.markdown_dictionary(version)
    definition = q.definition(version)
    assert text.startswith(f"# Data dictionary: screening questionnaire {version}\n")
    assert "flask --app run data-dictionary" in text and "Do not edit by hand" in text
    for link_id, item in definition.items.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{link_id}` |")), None)
        assert row is not None, f"{link_id} has no row in the Items table"
        for option in item.options:
            marker = f"`{option.code}` (exclusive):" if option.exclusive else f"`{option.code}`:"
            assert marker in row, (link_id, option.code)
            assert " ".join(option.label.split()) in row
    module = dictionary.rules_for(version)
    for code in list(module.CRITERIA) + list(module.FLAGS):
        assert f"`{code}`" in text
    for key in {c.source for c in module.CRITERIA.values()}:
        assert f"| `{key}` |" in text


def test_markdown_v2_shown_when_and_red_flag_tiers():
    text = dictionary.markdown_dictionary("2.0.0")
    row = next(line for line in text.splitlines() if line.startswith("| `prior_mbb_relief` |"))
    assert "`age_band` is `18_49`, `50_64` or `65_plus`; and `prior_procedures` includes `mbb`" in row
    tiers = text.split("## Red-flag tiers", 1)[1].split("\n## ", 1)[0]
    from screening.rules import v2

    for label, codes in (
        ("Emergency", v2.EMERGENCY_RED_FLAGS),
        ("Same day", v2.SAME_DAY_RED_FLAGS),
        ("Review", v2.REVIEW_RED_FLAGS),
    ):
        line = next(line for line in tiers.splitlines() if line.startswith(f"| {label} |"))
        assert set(re.findall(r"`(\w+)`", line)) == set(codes)
    combos = [set(re.findall(r"`(\w+)`", line)) for line in tiers.splitlines() if line.startswith("- ")]
    assert combos == [set(c) for c in v2.EMERGENCY_COMBINATIONS]
    assert "## Red-flag tiers" not in dictionary.markdown_dictionary("1.0.0")
