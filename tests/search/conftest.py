import os

import pytest


@pytest.fixture
def index(db):
    from territoria.search import get_index

    return get_index()


def pytest_report_header(config):
    return f"search backend: {'postgresql' if (os.environ.get('TERRITORIA_DATABASE_URL') or os.environ.get('DATABASE_URL', '')).startswith('postgres') else 'sqlite'}"
