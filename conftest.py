"""Settings for every test, including the notebooks nbval runs from course/."""

import os
import tempfile


def pytest_configure(config):
    # Tests, and the notebooks nbval runs, save reflections as a learner's page does: give
    # them a journal of their own, never the real one of whoever runs the tests.
    scratch = tempfile.mkdtemp(prefix="secure-base-tests-")
    os.environ["SECURE_BASE_JOURNAL"] = os.path.join(scratch, "journal.json")
