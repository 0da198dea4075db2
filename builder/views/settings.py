"""Trigger, input variables, and the Start run page. (Being built.)"""

from ._stub import not_built

trigger_edit = input_add = input_edit = input_delete = run_start_page = not_built
