"""The block's result from its diary, case by case (screening/diary/assess.py: pure, no app)."""

import pytest

from screening.diary.assess import Block, assess, durations_agree, episode, relief

LIDOCAINE, BUPIVACAINE = 2, 6


def entries(*readings, medicine_at=()):
    """(slot minutes, pain) or (slot, pain, real minutes) readings, recorded in the order given."""
    made = []
    for seq, reading in enumerate(readings):
        slot, pain, minutes = (*reading, reading[0]) if len(reading) == 2 else reading
        made.append({"slot": slot, "pain": pain, "minutes": minutes, "medicine": slot in medicine_at, "seq": seq})
    return made


def test_relief_is_the_share_of_the_usual_pain_gone_rounded_half_up():
    assert relief(8, 0) == 100
    assert relief(8, 8) == 0
    assert relief(8, 3) == 63  # 62.5 rounds up, not to the even 62
    assert relief(6, 5) == 17
    assert relief(4, 6) == -50  # worse than before


@pytest.mark.parametrize(
    ("pain_at_peak", "outcome", "peak"),
    [
        (0, "positive", 100),
        (2, "positive", 80),  # exactly 80% is positive
        (3, "partial", 70),
        (5, "partial", 50),  # exactly 50% is partial
        (6, "negative", 40),
        (10, "negative", 10),  # the peak is the best entry: 9 of 10 elsewhere
    ],
)
def test_each_outcome_and_the_exact_thresholds(pain_at_peak, outcome, peak):
    result = assess(10, entries((15, 9), (30, pain_at_peak), (60, 9)), LIDOCAINE)
    assert (result.outcome, result.peak, result.reasons) == (outcome, peak, ())


def test_just_under_80_percent_is_partial_not_positive():
    result = assess(9, entries((15, 2), (30, 4)), LIDOCAINE)  # 7 of 9 gone: 77.8 -> 78%
    assert (result.outcome, result.peak) == ("partial", 78)


def test_baseline_zero_is_indeterminate_with_the_reason():
    result = assess(0, entries((15, 0), (30, 0)), LIDOCAINE)
    assert result.outcome == "indeterminate" and result.peak is None
    assert "usual pain before the block was 0" in result.summary


def test_no_baseline_yet_is_indeterminate():
    assert "not recorded" in assess(None, entries((15, 1), (30, 1)), LIDOCAINE).summary


def test_one_entry_is_indeterminate_even_with_full_relief():
    result = assess(8, entries((15, 0)), LIDOCAINE)
    assert result.outcome == "indeterminate" and result.peak == 100
    assert "fewer than two entries within the medicine's expected 2 hours" in result.reasons[0]


def test_entries_outside_the_expected_duration_do_not_count_for_the_peak():
    # Lidocaine lasts 2 hours: the 100% at 3 hours is outside it; the peak inside is 50%.
    result = assess(10, entries((15, 8), (60, 5), (180, 0)), LIDOCAINE)
    assert (result.outcome, result.peak) == ("partial", 50)
    assert [p.within for p in result.points] == [True, True, False]
    # With bupivacaine (6 hours) the same diary is positive.
    assert assess(10, entries((15, 8), (60, 5), (180, 0)), BUPIVACAINE).outcome == "positive"


def test_entries_outside_leave_too_few_inside():
    assert assess(10, entries((15, 1), (180, 0), (240, 0)), LIDOCAINE).outcome == "indeterminate"


def test_pain_medicine_before_the_peak_makes_it_indeterminate():
    result = assess(10, entries((15, 6), (30, 1), (60, 2), medicine_at=(30,)), LIDOCAINE)
    assert result.outcome == "indeterminate"
    assert result.reasons == ("pain medicine was taken before the peak relief",)


def test_pain_medicine_after_the_peak_does_not_matter():
    result = assess(10, entries((15, 1), (30, 2), (60, 7), medicine_at=(60,)), LIDOCAINE)
    assert (result.outcome, result.peak) == ("positive", 90)


def test_more_than_minimal_sedation_makes_it_indeterminate_and_minimal_does_not():
    diary = entries((15, 1), (30, 1))
    assert assess(10, diary, LIDOCAINE, "more_than_minimal").outcome == "indeterminate"
    assert "sedation" in assess(10, diary, LIDOCAINE, "more_than_minimal").summary
    assert assess(10, diary, LIDOCAINE, "minimal").outcome == "positive"


def test_every_reason_is_given():
    result = assess(0, entries((15, 0)), LIDOCAINE, "more_than_minimal")
    assert len(result.reasons) == 3


def test_a_late_entry_counts_at_its_real_time():
    # The 1-hour entry was made at 2 h 30 min: outside lidocaine's 2 hours, so it does not count.
    late = assess(10, entries((15, 6), (30, 5), (60, 0, 150)), LIDOCAINE)
    assert (late.outcome, late.peak) == ("partial", 50)
    on_time = assess(10, entries((15, 6), (30, 5), (60, 0, 70)), LIDOCAINE)
    assert (on_time.outcome, on_time.peak) == ("positive", 100)


def test_a_correction_replaces_the_earlier_entry_for_the_same_time():
    # The patient tapped 1 by mistake at 30 minutes, then corrected it to 7: the latest recorded wins.
    corrected = entries((15, 6), (30, 1), (60, 6), (30, 7))
    result = assess(10, corrected, LIDOCAINE)
    assert [p.pain for p in result.points] == [6, 7, 6]
    assert (result.outcome, result.peak) == ("negative", 40)


def test_how_long_relief_stayed_at_80_and_50_percent():
    result = assess(10, entries((15, 5), (30, 2), (60, 1), (120, 4), (180, 8)), BUPIVACAINE)
    assert result.minutes_at_80 == 30 and not result.still_at_80  # 30 to 60 minutes
    assert result.minutes_at_50 == 105 and not result.still_at_50  # 15 to 120 minutes
    ongoing = assess(10, entries((15, 1), (30, 1)), LIDOCAINE)
    assert ongoing.minutes_at_80 == 15 and ongoing.still_at_80  # "15 minutes or more"
    assert assess(10, entries((15, 9), (30, 9)), LIDOCAINE).minutes_at_80 is None


def block(number, outcome_pains, medicine="lidocaine", hours=LIDOCAINE, levels=("L4-5", "L5-S1"), side="both"):
    return Block(number, levels, side, medicine, hours, assess(10, entries(*outcome_pains), hours))


POSITIVE_SHORT = ((15, 1), (30, 1), (60, 5))
POSITIVE_LONG = ((15, 1), (30, 1), (60, 1), (120, 1), (180, 1), (240, 5))
NEGATIVE = ((15, 8), (30, 7))


def test_two_positive_blocks_at_the_same_levels_and_side_meet_the_ablation_criterion():
    message = episode(block(1, POSITIVE_SHORT), block(2, POSITIVE_LONG, "bupivacaine", BUPIVACAINE))
    assert message.startswith("Meets the 80% criterion for radiofrequency ablation")


def test_positive_blocks_at_different_levels_or_sides_do_not():
    assert "different levels or sides" in episode(block(1, POSITIVE_SHORT), block(2, POSITIVE_SHORT, side="left"))
    assert "different levels or sides" in episode(block(1, POSITIVE_SHORT), block(2, POSITIVE_SHORT, levels=("L3-4",)))


def test_a_negative_first_block_means_no_second_diagnostic_block():
    message = episode(block(1, NEGATIVE), None)
    assert "a second diagnostic block is not indicated under the coverage rules" in message


def test_the_steps_in_between():
    assert "second (confirmatory) diagnostic block is the next step" in episode(block(1, POSITIVE_SHORT), None)
    assert "did not confirm" in episode(block(1, POSITIVE_SHORT), block(2, NEGATIVE))
    assert "indeterminate" in episode(block(1, ((15, 1),)), None)
    assert episode(None, None) == "No block recorded yet."


def test_durations_agree_when_the_longer_acting_medicine_gives_the_longer_relief():
    agree, words = durations_agree(block(1, POSITIVE_SHORT), block(2, POSITIVE_LONG, "bupivacaine", BUPIVACAINE))
    assert agree is True and "agree" in words
    disagree, words = durations_agree(block(1, POSITIVE_LONG), block(2, POSITIVE_SHORT, "bupivacaine", BUPIVACAINE))
    assert disagree is False and "do not agree" in words
    same, _ = durations_agree(block(1, POSITIVE_SHORT), block(2, POSITIVE_LONG))
    assert same is None
