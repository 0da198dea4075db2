"""The work-item page: context, form, draft, reassign, comments. (Being built.)"""

from .lists import my_work

detail = save_draft = reassign = comment = my_work
