"""Cooper's insights about Autotask (AT-INS-1): what the administrator changes in Autotask that an
insight is about (Automatic User Provisioning's Default Security Level, Access Groups, who
approves whose timesheets and expense reports), where an insight's Take Action leads in
Autotask, resolving it there, and Cooper's lists for a tenant with UniView and Autotask."""

from __future__ import annotations

import html

from pytest_bdd import given, parsers, then, when

from .access_groups import kaseyaone_group_id, names
from .autotask import add_resource, admin_browser, integration, make_inactive, set_setting
from .autotask_integration import option_value
from .tenants import _check


def change_resource(cast, autotask, scene, alias: str, what: str, **changes) -> None:
    _check(
        autotask.change_resource(
            admin_browser(cast), scene.tenant, scene.user_names[alias], **changes
        ),
        what,
    )


# --- what the insights are about, changed in Autotask


@given(parsers.parse('the administrator has made "{level}" the default Security Level'))
@when(parsers.parse('the administrator makes "{level}" the default Security Level'))
def default_security_level(cast, autotask, autotask_scene, level):
    config = integration(cast, autotask, autotask_scene)
    chosen = option_value(config, "default_security_level", level)
    set_setting(cast, autotask, autotask_scene, default_security_level=chosen)


@given("the administrator has turned Access Groups on without mapping a group")
@when("the administrator turns Access Groups on without mapping a group")
def access_groups_unmapped(cast, autotask, autotask_scene):
    set_setting(cast, autotask, autotask_scene, access_groups=True)


@given(parsers.parse('an Autotask resource "{alias}" who approves timesheets and expense reports'))
def approver(cast, autotask, autotask_scene, alias):
    add_resource(cast, autotask, autotask_scene, alias)
    change_resource(
        cast,
        autotask,
        autotask_scene,
        alias,
        f"Making {alias} an approver",
        approvesTimesheets=True,
        approvesExpenses=True,
    )


@given(
    parsers.parse(
        'an Autotask resource "{alias}" whose timesheets and expense reports "{approver}" approves'
    )
)
def approved_by(cast, autotask, autotask_scene, alias, approver):
    add_resource(cast, autotask, autotask_scene, alias)
    by = autotask_scene.user_names[approver]
    change_resource(
        cast,
        autotask,
        autotask_scene,
        alias,
        f"Making {approver} the approver of {alias}",
        timesheetApprover=by,
        expenseApprover=by,
    )


@when(parsers.parse('the administrator makes "{alias}" inactive in Autotask'))
def make_inactive_now(cast, autotask, autotask_scene, alias):
    make_inactive(cast, autotask, autotask_scene, alias)


@when(parsers.parse('the administrator makes "{alias}" active again in Autotask'))
def make_active_again(cast, autotask, autotask_scene, alias):
    change_resource(cast, autotask, autotask_scene, alias, f"Making {alias} active", isActive=True)


# --- Take Action: the Autotask page where an insight is addressed


@when("the administrator takes the insight's action", target_fixture="autotask_page")
def take_action(cast, insight_page):
    return admin_browser(cast).open(insight_page.link("action"))


@then(parsers.parse('the administrator is on Autotask\'s "{title}" page, at its "{section}"'))
def on_autotask_page(cast, autotask, autotask_scene, insight_page, autotask_page, title, section):
    page = autotask_page
    assert page.status == 200, (page.status, page.text[:500])
    assert page.url.startswith(autotask.tenant_url(autotask_scene.tenant)), page.url
    shown = html.unescape(page.text).replace("›", ">")
    assert f"<h1>{title}</h1>" in shown, page.text[:500]
    assert insight_page.link("action").partition("#")[2] == section
    assert f'id="{section}"' in page.text, f"no {section} on {page.url}"


@when(
    parsers.parse('the administrator picks "{level}" as the Default Security Level there and saves')
)
def pick_default_there(cast, autotask, autotask_scene, autotask_page, level):
    config = integration(cast, autotask, autotask_scene)
    chosen = option_value(config, "default_security_level", level)
    done = admin_browser(cast).submit(autotask_page, "settings", default_security_level=str(chosen))
    assert done.status == 200 and not done.error, done.text[:1000]


@when(parsers.parse('the administrator maps "{group}" to "{level}" there and saves'))
def map_group_there(cast, autotask, autotask_scene, autotask_page, group, level):
    config = integration(cast, autotask, autotask_scene)
    row = {
        "access_group_mappings.key": kaseyaone_group_id(cast, group),
        "access_group_mappings.value": str(option_value(config, "default_security_level", level)),
    }
    done = admin_browser(cast).submit(autotask_page, "settings", **row)
    assert done.status == 200 and not done.error, done.text[:1000]


def resource_id(cast, autotask, scene, alias: str) -> int:
    listed = _check(autotask.resources(admin_browser(cast), scene.tenant), "Listing resources")
    user_name = scene.user_names[alias]
    (found,) = [r["id"] for r in listed["resources"] if r["userName"] == user_name]
    return found


@then(parsers.parse('the Approvers table shows "{alias}" waiting for an inactive approver'))
def shown_waiting(cast, autotask, autotask_scene, autotask_page, alias):
    row = autotask_page.data(f"approvers-of-{resource_id(cast, autotask, autotask_scene, alias)}")
    assert row.get("waiting") == "timesheets expense-reports", row


@when(
    parsers.parse('the administrator makes "{approver}" the timesheet approver of "{alias}" there')
)
def assign_there(cast, autotask, autotask_scene, autotask_page, approver, alias):
    form = f"approvers-{resource_id(cast, autotask, autotask_scene, alias)}"
    chosen = resource_id(cast, autotask, autotask_scene, approver)
    done = admin_browser(cast).submit(autotask_page, form, timesheetApprover=str(chosen))
    assert done.status == 200 and not done.error, done.text[:1000]
    row = done.data(f"approvers-of-{resource_id(cast, autotask, autotask_scene, alias)}")
    assert row.get("waiting") == "expense-reports", row


# --- Cooper, for a tenant with both modules


@then(parsers.parse('Cooper lists "{insight}" under the "{source}"'))
def listed_under(cast, insight, source):
    todo = _check(cast.admin().insights("todo"), "Reading Cooper")["insights"]
    assert [i["source"] for i in todo if i["name"] == insight] == [source], todo
    browser, master = cast.master.browser, cast.master
    cast.kaseyaone.sign_in_to_admin(browser, master.email, master.password)
    page = cast.kaseyaone.cooper_page(browser)
    shown = {data["name"]: data["module"] for data in page.elements("insight-").values()}
    assert page.data(f"module-{shown[insight]}")["source"] == source, page.text[:1000]


@then(parsers.parse('Cooper\'s page lists exactly "{expected}"'))
def page_lists_exactly(cast, cooper_page, expected):
    assert sorted(cast.kaseyaone.insights_on(cooper_page)) == sorted(names(expected))


@when(
    parsers.parse('the master user filters Cooper to the "{source}" instead'),
    target_fixture="cooper_page",
)
def filter_instead(cast, cooper_page, source):
    return cast.kaseyaone.filter_cooper(cast.master.browser, cooper_page, source)
