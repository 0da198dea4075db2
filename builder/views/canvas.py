"""The canvas of one version. (Being built.)"""

from ._stub import not_built

version_canvas = version_problems = stage_add = stage_reorder = stage_delete = not_built
step_add = step_reorder = step_delete = not_built
