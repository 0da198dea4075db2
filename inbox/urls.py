from django.urls import path

from .views import delegations, lists, reassign, runs, work_item

app_name = "inbox"
urlpatterns = [
    path("", lists.my_work, name="my-work"),
    path("queues/", lists.queues, name="queues"),
    path("queues/<int:group_id>/", lists.queue, name="queue"),
    path("completed/", lists.completed, name="completed"),
    path("requests/", lists.my_requests, name="my-requests"),
    path("counts/", lists.counts, name="counts"),
    path("items/<int:pk>/claim/", lists.claim, name="work-item-claim"),
    path("items/<int:pk>/release/", lists.release, name="work-item-release"),
    path("items/<int:pk>/", work_item.detail, name="work-item"),
    path("items/<int:pk>/draft/", work_item.save_draft, name="work-item-draft"),
    path("items/<int:pk>/reassign/", reassign.reassign, name="work-item-reassign"),
    path(
        "items/<int:pk>/reassign/search/",
        reassign.reassign_search,
        name="work-item-reassign-search",
    ),
    path("items/<int:pk>/comments/", work_item.comment, name="work-item-comment"),
    path("runs/<int:pk>/", runs.detail, name="run-detail"),
    path("runs/<int:pk>/comments/", runs.comment, name="run-comment"),
    path("away/", delegations.delegation_list, name="delegations"),
    path("away/<int:pk>/end/", delegations.delegation_end, name="delegation-end"),
    path("away/search/", delegations.delegate_search, name="delegate-search"),
]
