"""The inputs of a choice question (screening.forms.option_inputs, used by the `choices` macro)."""

from __future__ import annotations

import re

from wtforms import Form

from screening.forms import ChoiceField, choices, option_inputs
from screening.patient.forms import MultiChoiceField


class _Questions(Form):
    imaging = MultiChoiceField(
        "Scans", choices=choices(("mri", "MRI"), ("xray", "X-ray <plain>"), ("none", "None"), ("not_sure", "Not sure"))
    )
    pain = ChoiceField("Pain", choices=choices(*((str(n), str(n)) for n in range(11))))


def _options(html: str) -> list[str]:
    return re.findall(r'<div class="option">.*?</div>|<p class="or">.*?</p>', str(html))


def test_or_comes_once_before_the_answers_that_stand_alone_and_those_are_marked():
    form = _Questions(data={"imaging": ["mri", "xray"]})
    html = option_inputs(form.imaging, kind="checkbox", exclusive={"none", "not_sure"})
    parts = _options(html)
    assert [p.startswith('<p class="or">') for p in parts] == [False, False, True, False, False]
    assert parts[2] == '<p class="or">or</p>'
    assert ' name="imaging" value="none" data-exclusive>' in parts[3]
    assert ' value="not_sure" data-exclusive>' in parts[4]
    assert "data-exclusive" not in parts[0] + parts[1]


def test_chosen_answers_are_checked_and_labels_are_escaped():
    form = _Questions(data={"imaging": ["xray"]})
    parts = _options(option_inputs(form.imaging, kind="checkbox"))
    assert parts[1] == (
        '<div class="option"><input type="checkbox" id="imaging-1" name="imaging" value="xray" checked>'
        '<label for="imaging-1">X-ray &lt;plain&gt;</label></div>'
    )
    assert "checked" not in parts[0]


def test_a_scale_names_its_ends_for_screen_readers():
    form = _Questions(data={"pain": "10"})
    parts = _options(option_inputs(form.pain, scale_anchors=("No pain", "Worst <pain>")))
    assert len(parts) == 11
    assert '<label for="pain-0">0<span class="visually-hidden"> (No pain)</span></label>' in parts[0]
    assert '<label for="pain-10">10<span class="visually-hidden"> (Worst &lt;pain&gt;)</span></label>' in parts[10]
    assert "visually-hidden" not in "".join(parts[1:10])
    assert 'type="radio" id="pain-10" name="pain" value="10" checked>' in parts[10]


def test_a_step_page_shows_or_before_none_of_these(patient):
    patient.start()
    patient.answer("age", {"age_band": "50_64"})
    html = patient.page("/step/urgent")
    options = _options(html)
    assert options[-2] == '<p class="or">or</p>' and 'value="none" data-exclusive>' in options[-1]
