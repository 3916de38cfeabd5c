"""The scaled stack's tests (``scaled_support``)."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "scaled: runs several Rasa instances behind HAProxy on a PostgreSQL and a "
                   "Redis of the test's own")
