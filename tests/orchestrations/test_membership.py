"""Members and outside participants: the rule every surface asks."""

import pytest
from django.contrib.auth.models import AnonymousUser

from orchestrations.membership import is_member, is_outside_participant, members
from tests.factories import make_group, make_user

pytestmark = pytest.mark.django_db


def test_a_member_is_in_a_team_or_staff_and_everybody_else_is_an_outside_participant():
    underwriting, sales = make_group("Underwriting"), make_group("Sales")
    uma = make_user("uma", underwriting, sales)  # in two teams: listed once
    sasha = make_user("sasha", is_staff=True)  # support, in no team
    dana = make_user("dana")  # an applicant
    gone = make_user("gone", underwriting, is_active=False)

    assert is_member(uma)
    assert is_member(sasha)
    assert not is_member(dana)
    assert is_outside_participant(dana)
    assert not is_outside_participant(uma)
    assert not is_member(AnonymousUser())
    assert not is_outside_participant(AnonymousUser())
    assert not is_member(None)
    assert list(members().order_by("username")) == [sasha, uma]
    assert gone not in members()


def test_the_answer_is_remembered_for_the_request(django_assert_num_queries):
    dana = make_user("dana")
    with django_assert_num_queries(1):
        assert not is_member(dana)
        assert not is_member(dana)
