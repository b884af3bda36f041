import pytest

from walkthetalk.analysis.commonground.about import about_participant_mask, is_about_participant


@pytest.mark.parametrize(
    "text",
    [
        "I am 30 or younger",
        "I am under 30 years of age",
        "I am between 20 and 25 years old.",
        "I am 55 years of age or older",
        "I am female",
        "I am of Pacific Island descent",
        "I identify as male.",
        "My ethnicity is White.",
        "My household income is less than $50,000",
        "I live in a rural area",
        "I work in the field of housing",
        "I am self employed or own a business",
        "I have dependents",
        "I voted to Leave.",
        "Are you between 15 and 19 years old?",
    ],
)
def test_facts_about_the_participant_are_recognised(text: str):
    assert is_about_participant(text)


@pytest.mark.parametrize(
    "text",
    [
        "I am worried about how long the waiting list is.",
        "I am grateful for the Land Bank.",
        "I work hard to protect individuals with disabilities from discrimination",
        "During the campaign, I found out that 75% of minimum-wage workers are 20 or older.",
        "Young people should be heard before decisions are made.",
        "My employer has not been responsive to reports of harassment.",
    ],
)
def test_opinions_are_not(text: str):
    assert not is_about_participant(text)


def test_mask_follows_statement_order_and_missing_text():
    mask = about_participant_mask(["a", "b", "c"], {"a": "I live in a town", "b": "Trains!"})
    assert mask.tolist() == [True, False, False]
    assert about_participant_mask(["a"], None).tolist() == [False]
