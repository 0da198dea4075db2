"""One page of an inbox list: its ids first, then only those rows.

The ids of a page come from the list's index in the list's order (cheap even deep
into 100,000 rows); then the 25 rows are read by id with what they show (without
the list's conditions again: a join of seven tables costs PostgreSQL more to plan
than to run, and twice the conditions more still). The total is
counted up to `COUNTED` rows, or up to one row past the page asked for when that is
further: beyond it the list says "of 10000+", and Next still leads on, page by page.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

PER_PAGE = 25
COUNTED = 10_000
LAST_PAGE = 1_000_000  # a larger page number is taken as this one (and then the last)


class CappedPaginator(Paginator):
    """Django's paginator with a capped `count` (at least one row past page `wanted`)."""

    def __init__(self, ids: QuerySet, per_page: int, *, wanted: int) -> None:
        super().__init__(ids, per_page)
        self.ids = ids
        self.cap = max(COUNTED, wanted * per_page + 1)

    @cached_property
    def count(self) -> int:
        return self.ids.order_by()[: self.cap].count()

    @property
    def capped(self) -> bool:
        """Whether there are more rows than `count`."""
        return self.count >= self.cap


def paginate(request: HttpRequest, rows: QuerySet, *, shown: QuerySet | None = None) -> Page:
    """The page of `rows` that the query string's `page` asks for (the last one when
    it asks past the end, the first when it makes no sense), its rows read from
    `shown` (by default `rows` itself)."""
    number = request.GET.get("page")
    try:
        wanted = min(max(1, int(number or 1)), LAST_PAGE)
    except ValueError:
        wanted = 1
    ids = rows.values_list("pk", flat=True)
    page = CappedPaginator(ids, PER_PAGE, wanted=wanted).get_page(wanted)
    page.object_list = in_order(rows if shown is None else shown, list(page.object_list))
    return page


def in_order(rows: QuerySet, ids: list[int]) -> list:
    """The rows of `rows` with these ids, in the ids' order (less any that is gone
    since the ids were read)."""
    loaded = rows.order_by().in_bulk(ids) if ids else {}
    return [loaded[pk] for pk in ids if pk in loaded]
