from django.urls import path

from .views import canvas, designer, editors, orchestrations, settings, start, versions

app_name = "builder"
urlpatterns = [
    # Orchestrations
    path("", orchestrations.orchestration_list, name="orchestration-list"),
    path("new/", orchestrations.orchestration_create, name="orchestration-create"),
    path("<int:pk>/", orchestrations.orchestration_detail, name="orchestration"),
    path("<int:pk>/archive/", orchestrations.orchestration_archive, name="orchestration-archive"),
    path("<int:pk>/start/", start.run_start_page, name="run-start"),
    path("<int:pk>/start/records/", start.run_start_records, name="run-start-records"),
    # The canvas of one version: stages and steps
    path("versions/<int:pk>/", canvas.version_canvas, name="version"),
    path("versions/<int:pk>/problems/", canvas.version_problems, name="version-problems"),
    path("versions/<int:pk>/stages/add/", canvas.stage_add, name="stage-add"),
    path("versions/<int:pk>/stages/reorder/", canvas.stage_reorder, name="stage-reorder"),
    path("stages/<int:pk>/delete/", canvas.stage_delete, name="stage-delete"),
    path("stages/<int:pk>/steps/add/", canvas.step_add, name="step-add"),
    path("stages/<int:pk>/steps/reorder/", canvas.step_reorder, name="step-reorder"),
    path("steps/<int:pk>/delete/", canvas.step_delete, name="step-delete"),
    # Side-panel editors and live condition checking
    path("stages/<int:pk>/edit/", editors.stage_edit, name="stage-edit"),
    path("steps/<int:pk>/edit/", editors.step_edit, name="step-edit"),
    path("versions/<int:pk>/check/", editors.condition_check, name="condition-check"),
    # Forms
    path("versions/<int:pk>/forms/", designer.form_list, name="form-list"),
    path("versions/<int:pk>/forms/add/", designer.form_add, name="form-add"),
    path("forms/<int:pk>/", designer.form_edit, name="form-edit"),
    path("forms/<int:pk>/delete/", designer.form_delete, name="form-delete"),
    path("forms/<int:pk>/preview/", designer.form_preview, name="form-preview"),
    path("forms/<int:pk>/fields/add/", designer.field_add, name="field-add"),
    path("forms/<int:pk>/fields/reorder/", designer.field_reorder, name="field-reorder"),
    path("fields/<int:pk>/edit/", designer.field_edit, name="field-edit"),
    path("fields/<int:pk>/delete/", designer.field_delete, name="field-delete"),
    # Trigger and input variables
    path("versions/<int:pk>/trigger/", settings.trigger_edit, name="trigger-edit"),
    path("versions/<int:pk>/rename/", settings.orchestration_rename, name="orchestration-rename"),
    path("versions/<int:pk>/inputs/add/", settings.input_add, name="input-add"),
    path("inputs/<int:pk>/edit/", settings.input_edit, name="input-edit"),
    path("inputs/<int:pk>/delete/", settings.input_delete, name="input-delete"),
    # Versions: list, activate, new draft, diff, export / import, diagram
    path("<int:pk>/versions/", versions.version_list, name="version-list"),
    path("versions/<int:pk>/activate/", versions.version_activate, name="version-activate"),
    path("versions/<int:pk>/new-draft/", versions.version_new_draft, name="version-new-draft"),
    path("<int:pk>/diff/", versions.version_diff, name="version-diff"),
    path("versions/<int:pk>/export/", versions.version_export, name="version-export"),
    path("import/", versions.orchestration_import, name="orchestration-import"),
    path("versions/<int:pk>/diagram/", versions.version_diagram, name="version-diagram"),
]
