"""Inbox views, one module per page family: lists (my work, queues, completed,
requests, counts, claim/release), the work-item page, the run page, delegations."""
