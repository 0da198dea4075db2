"""Values people submit are checked for what can be stored; no database involved."""

import pytest
from django.forms import ValidationError

from orchestrations import limits
from orchestrations.fields import FieldDef, build_form_class, clean_values


def spec(key, type="text", **options):
    return FieldDef(key=key, label=key.capitalize(), type=type, **options)


def errors_of(specs, data):
    with pytest.raises(ValidationError) as caught:
        clean_values(specs, data)
    return caught.value.message_dict


NOTES = [spec("notes")]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["a", "b"], "Enter text, not a list."),
        (("a",), "Enter text, not a list."),
        ({"a": 1}, "Enter text, not an object."),
        (b"bytes", "Enter text, not bytes."),
        ("a\x00b", "Null characters are not allowed."),
        ("\ud800", "not valid Unicode"),
        ("x" * 1001, "at most 1000 characters (it has 1001)"),
    ],
    ids=["list", "tuple", "dict", "bytes", "nul", "lone-surrogate", "too-long"],
)
def test_text_that_cannot_be_stored_is_refused_with_a_field_error(value, message):
    errors = errors_of(NOTES, {"notes": value})
    assert list(errors) == ["notes"]
    assert message in errors["notes"][0]


def test_text_up_to_its_limit_is_kept_as_given():
    assert clean_values(NOTES, {"notes": "x" * 1000}) == {"notes": "x" * 1000}
    long = [spec("story", "long_text")]
    assert clean_values(long, {"story": "y" * 20_000}) == {"story": "y" * 20_000}
    assert "at most 20000 characters" in errors_of(long, {"story": "y" * 20_001})["story"][0]


def test_ten_megabytes_of_text_are_refused():
    errors = errors_of([spec("story", "long_text")], {"story": "z" * 10_000_000})
    assert "at most 20000 characters" in errors["story"][0]


@pytest.mark.parametrize(
    "value",
    [10**5000, -(10**5000), 10**15, "1" + "0" * 15, -(10**15)],
    ids=["10**5000", "-10**5000", "10**15", "10**15-as-text", "-10**15"],
)
def test_whole_numbers_beyond_fifteen_digits_are_refused(value):
    errors = errors_of([spec("seats", "number")], {"seats": value})
    assert errors == {"seats": ["Enter a whole number of at most 15 digits."]}


def test_whole_numbers_within_fifteen_digits_are_kept():
    number = [spec("seats", "number")]
    assert clean_values(number, {"seats": limits.NUMBER_LIMIT}) == {"seats": 999_999_999_999_999}
    assert clean_values(number, {"seats": "-12"}) == {"seats": -12}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10**5000, "no more than 28 digits in total"),
        ("1e999999", "no more than 28 digits in total"),
        ("0.00000000001", "no more than 10 decimal places"),
        ("Infinity", "Enter a number."),
    ],
    ids=["10**5000", "1e999999", "eleven-places", "infinity"],
)
def test_decimals_beyond_their_digits_are_refused(value, message):
    errors = errors_of([spec("budget", "decimal")], {"budget": value})
    assert message in errors["budget"][0]


def test_a_list_for_a_number_or_a_choice_is_refused():
    specs = [spec("seats", "number"), spec("tier", "choice", choices=("gold", "basic"))]
    errors = errors_of(specs, {"seats": [1], "tier": ["gold"]})
    assert errors == {
        "seats": ["Enter a whole number, not a list."],
        "tier": ["Enter one of the choices, not a list."],
    }


def test_a_wrong_choice_is_not_echoed_back():
    errors = errors_of([spec("tier", "choice", choices=("gold",))], {"tier": "x" * 5000})
    assert errors == {"tier": ["Select a valid choice. That choice is not one of the choices."]}


def test_multi_choice_takes_a_list_or_a_single_choice_and_refuses_the_rest():
    modules = [spec("modules", "multi_choice", choices=("crm", "billing"))]
    assert clean_values(modules, {"modules": ["crm", "crm", "billing"]}) == {
        "modules": ["crm", "billing"]
    }
    assert clean_values(modules, {"modules": "crm"}) == {"modules": ["crm"]}
    assert errors_of(modules, {"modules": {"crm": True}}) == {
        "modules": ["Enter a list of choices, not an object."]
    }
    nested = errors_of(modules, {"modules": [["crm"]]})
    assert nested == {
        "modules": ["Each choice must be one of the choices, not a list or an object."]
    }


def test_a_refused_required_value_says_why_rather_than_required():
    errors = errors_of([spec("notes", required=True)], {"notes": ["a"]})
    assert errors == {"notes": ["Enter text, not a list."]}


def test_every_bad_value_is_reported_at_once():
    specs = [spec("notes"), spec("email", "email"), spec("seats", "number")]
    errors = errors_of(specs, {"notes": ["a"], "email": "x" * 300, "seats": 10**20})
    assert set(errors) == {"notes", "email", "seats"}


def test_the_html_form_carries_the_same_limits():
    specs = [
        spec("notes"),
        spec("story", "long_text"),
        spec("email", "email"),
        spec("site", "url"),
        spec("seats", "number"),
    ]
    form = build_form_class(specs)()
    assert 'maxlength="1000"' in str(form["notes"])
    assert 'maxlength="20000"' in str(form["story"])
    assert 'maxlength="254"' in str(form["email"])
    assert 'maxlength="2048"' in str(form["site"])
    assert 'min="-999999999999999"' in str(form["seats"])
    assert 'max="999999999999999"' in str(form["seats"])
