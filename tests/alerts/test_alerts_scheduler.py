"""The built-in scheduler: cron in a time zone, one per store, catch-up after downtime.
A fake clock and a fake sleep stand in for time; nothing waits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.scheduler import latest_slot, missed_slot, next_slot, run_scheduler, scheduler_lock
from alerts.state.alert_store import ensure_schema
from metrics.errors import UserError
from metrics.metric_store import MetricStore
from tests.alerts_support import make_config

MADRID = ZoneInfo("Europe/Madrid")


class FakeTime:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def config_for(tmp_path: Path, cron: str = "0 7 * * *"):  # type: ignore[no-untyped-def]
    return make_config(str(tmp_path / "store.duckdb"), schedule={"cron": cron})


def remember_run(store: MetricStore, scheduled_for: datetime) -> None:
    with store.write_ledger() as con:
        ensure_schema(con)
        con.execute(
            "INSERT INTO scheduler_runs VALUES ('r1', 'cron', ?, ?, ?, ?, 'ok', NULL)",
            [scheduled_for, scheduled_for.date(), scheduled_for, scheduled_for],
        )


def test_slots_follow_the_zone_across_daylight_saving() -> None:
    # 29 March 2026: Europe/Madrid moves from UTC+1 to UTC+2.
    before = next_slot("0 7 * * *", MADRID, datetime(2026, 3, 27, 12, tzinfo=UTC))
    after = next_slot("0 7 * * *", MADRID, before)
    assert before.astimezone(UTC).hour == 6 and after.astimezone(UTC).hour == 5
    assert after.astimezone(MADRID).hour == 7
    at = datetime(2026, 3, 30, 5, 0, tzinfo=UTC)  # exactly 07:00 in Madrid
    assert latest_slot("0 7 * * *", MADRID, at) == at


def test_missed_slot_only_after_a_remembered_run() -> None:
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    assert missed_slot("0 7 * * *", MADRID, None, now) is None
    yesterday = datetime(2026, 5, 9, 5, tzinfo=UTC)
    expected = datetime(2026, 5, 10, 7, tzinfo=MADRID)
    assert missed_slot("0 7 * * *", MADRID, yesterday, now) == expected
    today = datetime(2026, 5, 10, 5, tzinfo=UTC)
    assert missed_slot("0 7 * * *", MADRID, today, now) is None


def test_catches_up_after_downtime_then_runs_on_the_cron(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    store = MetricStore(config.store)
    remember_run(store, datetime(2026, 5, 7, 5, tzinfo=UTC))  # 07:00 Madrid, 7 May
    fake = FakeTime(datetime(2026, 5, 10, 9, 30, tzinfo=UTC))
    calls: list[tuple[date, str, datetime]] = []

    def job(cfg, run_date, trigger, slot):  # type: ignore[no-untyped-def]
        calls.append((run_date, trigger, slot))

    runs = run_scheduler(config, job=job, clock=fake.clock, sleep=fake.sleep, max_runs=2)
    assert runs == 2
    (d1, t1, s1), (d2, t2, s2) = calls
    assert (t1, s1) == ("catch-up", datetime(2026, 5, 10, 7, tzinfo=MADRID))
    assert d1 == date(2026, 5, 9)  # a run due on the 10th judges the 9th
    assert (t2, d2) == ("cron", date(2026, 5, 10))
    assert s2 == datetime(2026, 5, 11, 7, tzinfo=MADRID)
    assert fake.now >= s2 and all(s <= 300 for s in fake.slept)


def test_a_failing_run_does_not_stop_the_scheduler(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    fake = FakeTime(datetime(2026, 5, 10, 9, 30, tzinfo=UTC))
    calls = []

    def job(cfg, run_date, trigger, slot):  # type: ignore[no-untyped-def]
        calls.append(run_date)
        raise RuntimeError("boom")

    assert run_scheduler(config, job=job, clock=fake.clock, sleep=fake.sleep, max_runs=2) == 2
    assert calls == [date(2026, 5, 10), date(2026, 5, 11)]


def test_a_second_scheduler_on_the_same_store_is_refused(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    with scheduler_lock(config.store):
        with pytest.raises(UserError, match="already running") as err:
            run_scheduler(config, job=lambda *a: None, max_runs=1)
        assert "scheduler.lock" in str(err.value)
    # released: the next one may start
    fake = FakeTime(datetime(2026, 5, 10, 9, 30, tzinfo=UTC))
    assert run_scheduler(config, job=lambda *a: None, clock=fake.clock, sleep=fake.sleep,
                         max_runs=1) == 1  # fmt: skip
