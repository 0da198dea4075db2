"""Users, with what they are to Handoff: a member (in a team, or staff) or an outside
participant (in no team: an applicant, a new hire before day one, a patient). The rule
is `orchestrations.membership`; putting someone in a team makes them a member."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, QuerySet
from django.http import HttpRequest

from ..membership import member_condition

User = get_user_model()


class MembershipFilter(admin.SimpleListFilter):
    title = "member or outside participant"
    parameter_name = "membership"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("member", "Members (in a team, or staff)"),
                ("outside", "Outside participants (in no team)")]  # fmt: skip

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        match self.value():
            case "member":
                return queryset.filter(member_condition())
            case "outside":
                return queryset.exclude(member_condition())
        return None


admin.site.unregister(User)


@admin.register(User)
class HandoffUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "email", "membership", "teams", "is_staff"]
    list_filter = [MembershipFilter, "is_staff", "is_superuser", "is_active", "groups"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        member = ExpressionWrapper(member_condition(), output_field=BooleanField())
        return (
            super()
            .get_queryset(request)
            .annotate(handoff_member=member)
            .prefetch_related(Prefetch("groups", to_attr="teams_listed"))
        )

    @admin.display(description="name", ordering="last_name")
    def full_name(self, obj: Any) -> str:
        return obj.get_full_name() or "—"

    @admin.display(description="membership", ordering="handoff_member")
    def membership(self, obj: Any) -> str:
        return "Member" if obj.handoff_member else "Outside participant"

    @admin.display(description="teams")
    def teams(self, obj: Any) -> str:
        return ", ".join(sorted(team.name for team in obj.teams_listed)) or "—"
