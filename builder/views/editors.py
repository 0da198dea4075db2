"""Side-panel editors and live condition checking. (Being built.)"""

from ._stub import not_built

stage_edit = step_edit = condition_check = not_built
