"""The form designer. (Being built.)"""

from ._stub import not_built

form_list = form_add = form_edit = form_delete = form_preview = not_built
field_add = field_reorder = field_edit = field_delete = not_built
