"""load: the flow's writes and reads of the warehouse, one connection per task (tasks take paths)."""

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from kabar.records import FetchedPage, Plan, Validators
from kabar.warehouse import loader
from kabar.warehouse.db import connect


@task(name="start-run", cache_policy=NO_CACHE)
def start_run(db_path: str, run_id: str, site: str, started_at: datetime) -> None:
    with connect(db_path) as con:
        loader.start_run(con, run_id, site, started_at)


@task(name="previous-fetches", cache_policy=NO_CACHE)
def previous_fetches(db_path: str, urls: list[str]) -> dict[str, Validators]:
    with connect(db_path) as con:
        return {url: Validators(*known) for url, known in loader.previous_fetches(con, urls).items()}


@task(name="load", cache_policy=NO_CACHE)
def load_batch(db_path: str, run_id: str, pages: list[FetchedPage], plan: Plan) -> dict[str, int]:
    with connect(db_path) as con:
        return loader.load_batch(con, run_id, pages, plan)


@task(name="finish-run", cache_policy=NO_CACHE)
def finish_run(db_path: str, run_id: str, finished_at: datetime, status: str, counts: dict[str, int]) -> None:
    with connect(db_path) as con:
        loader.finish_run(con, run_id, finished_at, status, counts)
