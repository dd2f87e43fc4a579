"""The served simulators' scheduler (sim_common.scheduler) and the leases it rests on
(sim_common.leases): one holder at a time across processes, due jobs run on each tenant's own
clock, only by the leader."""

from __future__ import annotations

from datetime import timedelta

import responses
from test_outbox import ALICE_SCIM_ID, SEARCH, listing, make_hub, module_applies_patches, patches

from mock_kaseyaone.models import Lease, Tenant
from sim_common.clock import real_now
from sim_common.leases import beat, take
from sim_common.scheduler import LEADER, Job, Scheduler

# Seconds a lease taken here lasts: leases run out in real time, and a loaded machine may stop
# a test for seconds between two lines (a garbage collection); until a test ends it.
HOLD = 60


def test_a_lease_has_one_holder_until_it_runs_out(tmp_path):
    hub = make_hub({"DATABASE_URL": f"sqlite:///{tmp_path / 'k1.sqlite3'}"})
    store = hub.client.application.extensions["sim_store"]
    with store.sessionmaker() as session:
        assert take(session, Lease, "job", "a", HOLD)
        assert not take(session, Lease, "job", "b", HOLD), "a holds it"
        assert take(session, Lease, "job", "a", HOLD), "a renews its own"
    with store.transaction() as session:
        session.get(Lease, "job").expires_at = real_now() - timedelta(seconds=1)
    with store.sessionmaker() as session:
        assert take(session, Lease, "job", "b", HOLD), "a's hold ran out"
        assert not take(session, Lease, "job", "a", HOLD)


def test_the_scheduler_runs_what_is_due_on_each_tenants_own_clock(tmp_path):
    """A push that failed is retried 30 s later on its tenant's clock; the scheduler finds it
    then, and only then, without anyone moving the clock through the control plane."""
    hub = make_hub({"DATABASE_URL": f"sqlite:///{tmp_path / 'k1.sqlite3'}"})
    app = hub.client.application
    scheduler = Scheduler(app, interval=1)
    assert scheduler.beat_once()
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, status=503)
        hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
        assert scheduler.run_due() == {}, "the retry is not due yet"
        mock.replace(responses.GET, SEARCH, json=listing(ALICE_SCIM_ID))
        module_applies_patches(mock)
        with app.extensions["sim_store"].transaction() as session:
            session.get(Tenant, hub.tenant).clock_offset_seconds += 30  # as time passing would
        ran = scheduler.run_due()
        assert list(ran) == [hub.tenant] and ran[hub.tenant]["outbox"] == 1
        assert len(patches(mock)) == 1
    assert hub.outbox()[0]["state"] == "delivered"
    assert scheduler.run_due() == {}


def test_only_one_process_leads_and_another_takes_over_when_it_stops(tmp_path):
    hub = make_hub({"DATABASE_URL": f"sqlite:///{tmp_path / 'k1.sqlite3'}"})
    app = hub.client.application
    store = app.extensions["sim_store"]
    with store.sessionmaker() as session:
        assert take(session, Lease, LEADER, "another-process", HOLD)
    scheduler = Scheduler(app, interval=1)
    assert scheduler.beat_once() is False
    with store.transaction() as session:  # the other process stopped renewing
        session.get(Lease, LEADER).expires_at = real_now() - timedelta(seconds=1)
    assert scheduler.beat_once() is True


def test_a_process_beats_twice_in_one_session_without_autoflush_on_an_in_memory_database():
    """On one shared connection the heartbeat writes into the caller's session: an outbox pass
    that claims rows of two destinations beats twice there (with autoflush off) and must find
    its own lease the second time, not insert it again."""
    app = make_hub().client.application
    store = app.extensions["sim_store"]
    with app.app_context(), store.transaction() as session, session.no_autoflush:
        assert beat(session, Lease) == beat(session, Lease)
    with app.extensions["sim_store"].transaction() as session:
        assert len(session.query(Lease).all()) == 1


def test_a_tenants_jobs_run_one_run_at_a_time_and_a_second_run_waits_for_the_first(
    tmp_path, monkeypatch
):
    """The served scheduler and a clock's advance (in two processes, or two threads of one)
    may both find a tenant's job due: they take turns, never run it together (two group syncs
    at once, one failing and one not, each recorded its outcome), and the second runs once the
    first has ended, so that the advance answers after what fell due has run."""
    import threading

    from sim_common import control
    from sim_common.control import run_jobs_of

    hub = make_hub({"DATABASE_URL": f"sqlite:///{tmp_path / 'k1.sqlite3'}"})
    app = hub.client.application
    inside, entered, leave = [], threading.Event(), threading.Event()
    changed = threading.Condition()
    waiting = []

    def slow_job(tenant, force):
        with changed:
            inside.append(threading.get_ident())
            changed.notify_all()
        entered.set()
        assert leave.wait(60)
        with changed:
            inside.remove(threading.get_ident())
        return "ran"

    def wait_for_turn():
        with changed:
            waiting.append(threading.get_ident())
            changed.notify_all()
        assert leave.wait(60)

    monkeypatch.setattr(control, "wait_for_turn", wait_for_turn)
    app.extensions["sim_jobs"] = {"slow": Job(run=slow_job, due=lambda session: [])}
    outcomes = []
    runners = [
        threading.Thread(target=lambda: outcomes.append(run_jobs_of(app, hub.tenant)))
        for _ in range(2)
    ]
    runners[0].start()
    try:
        assert entered.wait(60)
        runners[1].start()
        with changed:  # the second either waits for its turn or, wrongly, runs the job beside
            assert changed.wait_for(lambda: waiting or len(inside) > 1, timeout=60)
            assert (len(inside), len(waiting)) == (1, 1)
    finally:
        leave.set()
        for runner in runners:
            runner.join(60)
    assert outcomes == [{"slow": "ran"}, {"slow": "ran"}]


def test_the_scheduler_leaves_a_row_to_the_first_attempt_of_the_request_that_wrote_it(
    tmp_path, monkeypatch
):
    """Served, the scheduler could take a push between the commit that wrote it and that
    request's own first attempt: the request then answered before the change had reached the
    module (a deactivation not yet in Autotask when the next step looked). A row not attempted
    yet is the request's for FIRST_ATTEMPT_SECONDS on its tenant's clock; after that (its
    request gone, say), the scheduler delivers it."""
    from sim_common.outbox import FIRST_ATTEMPT_SECONDS, Deliveries

    hub = make_hub({"DATABASE_URL": f"sqlite:///{tmp_path / 'k1.sqlite3'}"})
    app = hub.client.application
    scheduler = Scheduler(app, interval=1)
    assert scheduler.beat_once()
    with responses.RequestsMock() as mock:
        mock.get(SEARCH, json=listing(ALICE_SCIM_ID))
        module_applies_patches(mock)
        with monkeypatch.context() as held_back:  # the request's attempt not made yet
            held_back.setattr(Deliveries, "now", lambda self, tenant_id: None)
            hub.client.post(f"/api/v1/users/{hub.alice}/deactivate", auth=hub.master)
            assert scheduler.run_due()[hub.tenant]["outbox"] == 0
            assert patches(mock) == []
        with app.extensions["sim_store"].transaction() as session:
            session.get(Tenant, hub.tenant).clock_offset_seconds += FIRST_ATTEMPT_SECONDS
        assert scheduler.run_due()[hub.tenant]["outbox"] == 1
        assert len(patches(mock)) == 1
    assert hub.outbox()[0]["state"] == "delivered"
