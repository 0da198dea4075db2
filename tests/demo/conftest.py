from collections.abc import Iterator

import pytest

from orchestrations.engine.definition import clear_definition_cache
from orchestrations.engine.watch import forget_watched_models


@pytest.fixture(autouse=True)
def _fresh_engine_caches() -> Iterator[None]:
    """Tests reuse primary keys: no definition or watched model may leak between them."""
    clear_definition_cache()
    forget_watched_models()
    yield
    clear_definition_cache()
    forget_watched_models()


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    """load_demo writes demo-logins.txt: into the test's folder, not the developer's var/."""
    settings.DATA_DIR = tmp_path
