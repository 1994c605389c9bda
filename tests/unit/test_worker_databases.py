"""Under pytest-xdist each worker has its own PostgreSQL database, named after TEST_DATABASE_URL's
and the worker's id, on the same server with the same credentials."""

from sqlalchemy import make_url

from tests.support.databases import worker_database_url

URL = "postgresql+psycopg://ci:p%40ss@127.0.0.1:5433/milestone_ci_12_34?sslmode=disable"


def test_each_worker_gets_the_database_name_with_its_id():
    made = make_url(worker_database_url(URL, "gw3"))

    assert made.database == "milestone_ci_12_34_gw3"
    assert (made.drivername, made.host, made.port) == ("postgresql+psycopg", "127.0.0.1", 5433)
    assert (made.username, made.password) == ("ci", "p@ss")
    assert made.query == {"sslmode": "disable"}


def test_without_workers_the_database_is_the_one_named():
    assert worker_database_url(URL, "master") == URL
