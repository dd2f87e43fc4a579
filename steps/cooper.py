"""Cooper's insights about UniView (UV-INS-1..10): what UniView has (appliances, jobs,
conditional alarms, the PSA), changed by its superuser; Cooper's lists as the master user sees
them, and the page a person follows to UniView."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from .access_groups import names
from .tenants import _check

DAY = 86400
LISTS = {"To Do": "todo", "Snoozed": "snoozed", "Completed": "completed"}


def uv(cast, what: str, call, *args, **kwargs):
    """A change the superuser makes in UniView, through its JSON API."""
    browser = cast.superuser.browser
    return _check(call(browser, cast.uv_tenant, *args, **kwargs), what)


# UniView's side.


@given("UniView has had everything Cooper checks set up for 30 days")
def everything_set_up(cast):
    """An appliance in UniView with Helix auto updates on and a protected asset, a scheduled DCA
    job and backup copy job, conditional alarms for backups and replication, a PSA closing
    tickets by status, and an organization mapped to a PSA company; then 30 days pass."""
    driver = cast.uniview
    uv(cast, "Adding dr-1", driver.add_appliance, "dr-1", helix_status="AutoUpdate")
    uv(cast, "Protecting an asset", driver.add_protected_asset, "dr-1", "fileserver")
    dca = {"type": "dca", "name": "Nightly DCA", "schedule": "Daily at 01:00"}
    uv(cast, "A DCA job", driver.add_job, asset_tag="dr-1", **dca)
    copy = {"type": "backup_copy", "name": "Off-site", "target": "Unitrends Cloud"}
    uv(cast, "A backup copy job", driver.add_job, asset_tag="dr-1", schedule="Daily", **copy)
    uv(cast, "A backup alarm", driver.add_conditional_alarm, "backup", 24)
    uv(cast, "A replication alarm", driver.add_conditional_alarm, "replication", 48)
    uv(cast, "Integrating a PSA", driver.add_psa_integration, "autotask", "Complete")
    organization = uv(cast, "Adding Contoso", driver.add_organization, "Contoso")
    uv(cast, "Mapping Contoso", driver.map_organization_to_psa, organization["id"], "Contoso Ltd")
    days_pass(cast, 30)


@given(
    parsers.parse(
        'the Unitrends account reports the appliance "{tag}", not added to UniView, '
        'protecting "{asset}"'
    )
)
def unadded_appliance(cast, tag, asset):
    uv(cast, f"Adding {tag}", cast.uniview.add_appliance, tag, added_to_uniview=False)
    uv(cast, f"Protecting {asset}", cast.uniview.add_protected_asset, tag, asset)


@when(parsers.parse('the superuser adds the appliance "{tag}" to UniView'))
def add_to_uniview(cast, tag):
    uv(cast, f"Adding {tag}", cast.uniview.change_appliance, tag, added_to_uniview=True)


@when(parsers.parse('the superuser turns Helix auto updates off on the appliance "{tag}"'))
def helix_off(cast, tag):
    uv(cast, "Helix off", cast.uniview.change_appliance, tag, helix_status="Agent")


@when(parsers.parse('the superuser turns Helix auto updates on for the appliance "{tag}"'))
def helix_on(cast, tag):
    uv(cast, "Helix on", cast.uniview.change_appliance, tag, helix_status="AutoUpdate")


def job_of(cast, type_: str) -> dict:
    (job,) = [j for j in uv(cast, "Jobs", cast.uniview.jobs)["jobs"] if j["type"] == type_]
    return job


@given("the superuser has taken the DCA job off its schedule")
@when("the superuser takes the DCA job off its schedule")
def unschedule_dca(cast):
    uv(cast, "Unscheduling", cast.uniview.change_job, job_of(cast, "dca")["id"], schedule=None)


@when("the superuser removes the backup copy job")
def remove_backup_copy(cast):
    uv(cast, "Removing", cast.uniview.remove_job, job_of(cast, "backup_copy")["id"])


@when(parsers.parse('the superuser creates a DCA job on "{tag}" scheduled "{schedule}"'))
def create_dca(cast, tag, schedule):
    job = {"type": "dca", "asset_tag": tag, "name": "Recovery Assurance", "schedule": schedule}
    uv(cast, "A DCA job", cast.uniview.add_job, **job)


@when(
    parsers.parse(
        'the superuser creates a backup copy job on "{tag}" to "{target}" scheduled "{schedule}"'
    )
)
def create_backup_copy(cast, tag, target, schedule):
    job = {"type": "backup_copy", "asset_tag": tag, "name": "Copy", "target": target}
    uv(cast, "A backup copy job", cast.uniview.add_job, schedule=schedule, **job)


ALARM_TYPES = {"backups": "backup", "replication": "replication"}


@given(parsers.parse("the superuser has removed the conditional alarm for {what}"))
@when(parsers.parse("the superuser removes the conditional alarm for {what}"))
def remove_alarm(cast, what):
    alarms = uv(cast, "Alarms", cast.uniview.conditional_alarms)["conditional_alarms"]
    for alarm in alarms:
        if alarm["type"] == ALARM_TYPES[what]:
            uv(cast, "Removing", cast.uniview.remove_conditional_alarm, alarm["id"])


@given(parsers.parse("the superuser has set a conditional alarm for {what} at {hours:d} hours"))
@when(parsers.parse("the superuser sets a conditional alarm for {what} at {hours:d} hours"))
def set_alarm(cast, what, hours):
    uv(cast, "An alarm", cast.uniview.add_conditional_alarm, ALARM_TYPES[what], hours)


@when("the superuser removes the PSA integration")
def remove_psa(cast):
    uv(cast, "Removing the PSA", cast.uniview.remove_psa_integration)


@given(parsers.parse('the superuser has integrated "{psa}" without a Close Ticket Status'))
def psa_without_status(cast, psa):
    uv(cast, "Integrating", cast.uniview.add_psa_integration, psa)


@when(parsers.parse('the superuser integrates "{psa}" with the Close Ticket Status "{status}"'))
def integrate_psa(cast, psa, status):
    uv(cast, "Integrating", cast.uniview.add_psa_integration, psa, status)


@when(
    parsers.parse(
        'the superuser integrates "{psa}" afresh, with the Close Ticket Status "{status}" '
        "and no organization mapped"
    )
)
def integrate_psa_afresh(cast, psa, status):
    remove_psa(cast)
    integrate_psa(cast, psa, status)


def organization_id(cast, name: str) -> str:
    listing = uv(cast, "PSA", cast.uniview.psa_integration)["organizations"]
    (found,) = [o["id"] for o in listing if o["name"] == name]
    return found


@when(parsers.parse('the superuser unmaps the organization "{name}" from its PSA company'))
def unmap(cast, name):
    uv(cast, "Unmapping", cast.uniview.unmap_organization_from_psa, organization_id(cast, name))


@when(parsers.parse('the superuser maps the organization "{name}" to the PSA company "{company}"'))
def map_company(cast, name, company):
    org = organization_id(cast, name)
    uv(cast, "Mapping", cast.uniview.map_organization_to_psa, org, company)


@when("the superuser clears the PSA's Close Ticket Status")
def clear_status(cast):
    uv(cast, "Clearing", cast.uniview.change_psa_integration, close_ticket_status=None)


@when(parsers.parse('the superuser sets the PSA\'s Close Ticket Status to "{status}"'))
def set_status(cast, status):
    uv(cast, "Setting", cast.uniview.change_psa_integration, close_ticket_status=status)


# Time: both systems' clocks move on together, a stretch at a time (each runs its daily job
# once: UniView's report, KaseyaOne's evaluation).


def days_pass(cast, days: int) -> None:
    cast.let_time_pass(days * DAY, step=days * DAY)


@when(parsers.parse("{days:d} days pass"))
def n_days_pass(cast, days):
    days_pass(cast, days)


@when("one more day passes")
def one_day_passes(cast):
    days_pass(cast, 1)


# KaseyaOne's side: Cooper.


def listed(cast, which: str) -> list[str]:
    body = _check(cast.admin().insights(LISTS[which]), f"Reading Cooper's {which} list")
    return sorted(insight["name"] for insight in body["insights"])


@then(parsers.parse('Cooper\'s {which} list holds exactly "{expected}"'))
def holds_exactly(cast, which, expected):
    assert listed(cast, which) == sorted(names(expected))


@then(parsers.parse('Cooper\'s {which} list holds "{expected}"'))
def holds(cast, which, expected):
    assert set(names(expected)) <= set(listed(cast, which)), listed(cast, which)


@then(parsers.parse("Cooper's {which} list is empty"))
def is_empty(cast, which):
    assert listed(cast, which) == []


@then("KaseyaOne has no telemetry from UniView")
def no_telemetry(cast):
    assert cast.kaseyaone.rule_evaluations(cast.hub_tenant) == []


@when(parsers.parse('the master user snoozes "{name}" in Cooper'))
def snooze(cast, name):
    todo = _check(cast.admin().insights("todo"), "Reading Cooper")["insights"]
    (insight,) = [i for i in todo if i["name"] == name]
    _check(cast.admin().snooze_insight(insight["id"]), f"Snoozing {name}")


# Cooper as a person uses it, and where its action leads.


@when(
    parsers.parse('the master user opens Cooper and filters it to the "{source}"'),
    target_fixture="cooper_page",
)
def open_and_filter(cast, source):
    browser, master = cast.master.browser, cast.master
    cast.kaseyaone.sign_in_to_admin(browser, master.email, master.password)
    page = cast.kaseyaone.cooper_page(browser)
    return cast.kaseyaone.filter_cooper(browser, page, source)


@then(parsers.parse('Cooper\'s page lists "{name}" in To Do'))
def page_lists(cast, cooper_page, name):
    assert cooper_page.data("current-list")["list"] == "todo", cooper_page.text
    assert name in cast.kaseyaone.insights_on(cooper_page), cooper_page.text


@when(parsers.parse('the master user opens the insight "{name}"'), target_fixture="insight_page")
def open_insight(cast, cooper_page, name):
    return cast.kaseyaone.open_insight(cast.master.browser, cooper_page, name)


@then(
    parsers.parse(
        'the insight\'s details show the component "{component}" and the action "{label}"'
    )
)
def insight_details(insight_page, component, label):
    shown = insight_page.data("insight")
    assert (shown["component"], shown["list"]) == (component, "todo"), insight_page.text
    assert insight_page.data("action")["label"] == label


@when("the superuser follows the insight's action", target_fixture="uniview_page")
def follow_action(cast, insight_page):
    cast.keep_superuser_signed_in()
    return cast.superuser.browser.open(insight_page.link("action"))


@then(parsers.parse('the superuser is on UniView\'s "{name}" page'))
def on_uniview_page(cast, uniview_page, name):
    assert uniview_page.url.startswith(cast.uniview.tenant_url(cast.uv_tenant)), uniview_page.url
    assert cast.uniview.page_name(uniview_page) == name, uniview_page.text


@when(parsers.parse('the superuser creates a DCA job there, scheduled "{schedule}"'))
def create_dca_on_page(cast, uniview_page, schedule):
    done = cast.superuser.browser.submit(
        uniview_page, "add-job-dca", asset_tag="dr-1", name="Recovery Assurance", schedule=schedule
    )
    assert done.status == 200 and not done.error, done.text
