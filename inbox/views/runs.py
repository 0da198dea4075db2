"""The run page: stage path, steps, timeline, comments. (Being built.)"""

from .lists import my_work

detail = comment = my_work
