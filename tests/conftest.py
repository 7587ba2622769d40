import os

from hypothesis import HealthCheck, settings

# Deterministic and bounded: CI must not depend on a lucky draw or on machine speed.
settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The longest test files start first. `make test` runs two workers, each taking whole files
# (pytest-xdist's loadfile); a long file picked up last would leave one worker idle at the end.
SLOWEST_FIRST = ["test_nbgrader_workflow.py", "test_book_pages.py", "test_standalone_notebooks.py",
                 "test_widgets_in_book.py", "test_widgets_live.py"]


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)
    items.sort(key=rank)  # stable: each file's tests keep their order
