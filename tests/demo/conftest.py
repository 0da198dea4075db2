import pytest


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    """load_demo writes demo-logins.txt: into the test's folder, not the developer's var/."""
    settings.DATA_DIR = tmp_path
