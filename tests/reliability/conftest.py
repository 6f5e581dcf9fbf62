from tests.households.conftest import township  # noqa: F401 - the roster fuzz test's township
