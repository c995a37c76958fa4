"""Steps for admin_people.feature: the admin pages for flags, groups, users and coupons, over HTTP.

The administrator works as a browser without JavaScript does: open a page, post its form with the
page's CSRF token, follow the redirect (and, for a deletion or a role change, confirm on the page
that asks first). Whether a flag is on for someone is asked the way clients ask: the enabled flags
in API v1's session (`/api/v1/auth/session/`). Arranging (`Given`) goes through the app's services.
The shared steps (people, coupons) are in conftest.py.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from pytest_bdd import given, parsers, scenarios, then, when

from tests.features.conftest import WHO, Emporium, table_rows
from tests.support.markup import element_by_id, field_error

pytestmark = pytest.mark.usefixtures("shop")  # every scenario in each shop (conftest.SHOPS)
scenarios("admin_people.feature")


class AdminPages:
    """The admin pages as one scenario uses them; `last` is the answer to the latest form post."""

    def __init__(self, emporium: Emporium) -> None:
        self.emporium = emporium
        self.last: httpx.Response | None = None

    @property
    def http(self) -> TestClient[Litestar]:
        return self.emporium.http

    def page(self, who: str, path: str) -> str:
        self.emporium.act_as(who)
        response = self.http.get(path)
        assert response.status_code == 200, response.text
        return html.unescape(response.text)

    def submit(self, who: str, page: str, action: str, data: dict[str, Any] | None = None) -> httpx.Response:
        """Post a form of `page` to `action` with the page's CSRF token; a redirect is followed, as a browser does."""
        token = _csrf(self.page(who, page))
        response = self.http.post(action, data={**(data or {}), "csrf_token": token})
        if response.is_redirect:
            response = self.http.get(response.headers["location"])
        self.last = response
        return response

    def confirm(self, who: str, question_page: str) -> httpx.Response:
        """Open the page that asks first and press its confirm button (the only form in the main area)."""
        asking = self.page(who, question_page)
        form = re.search(r'<form method="post" action="([^"]+)" class="button-row">(.*?)</form>', asking, re.S)
        assert form, f"{question_page} asks nothing"
        fields = dict(re.findall(r'<input type="hidden" name="(?!csrf_token)([^"]+)" value="([^"]*)">', form.group(2)))
        return self.submit(who, question_page, form.group(1), fields)

    def told(self) -> str:
        assert self.last is not None, "nothing was submitted"
        return html.unescape(self.last.text)


@pytest.fixture
def admin_pages(emporium: Emporium) -> AdminPages:
    return AdminPages(emporium)


@dataclass
class OwnBrowser:
    """Someone's own browser: cookies of its own, served by the app the scenario already runs."""

    client: TestClient[Litestar]
    first_session_id: str = ""


@pytest.fixture
def browsers() -> dict[str, OwnBrowser]:
    return {}


def _open_browser(emporium: Emporium) -> TestClient[Litestar]:
    browser: TestClient[Litestar] = TestClient(app=emporium.http.app, base_url=str(emporium.http.base_url))
    browser.blocking_portal = emporium.http.blocking_portal  # the loop that owns the app's connection pool
    browser.follow_redirects = False
    return browser


def _log_in(browser: TestClient[Litestar], username: str, password: str) -> httpx.Response:
    """Through the login form, as a person does."""
    form = browser.get("/login").text
    return browser.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(form)})


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no form"
    return match.group(1)


def _user_id(emporium: Emporium, name: str) -> UUID:
    user_id: UUID | None = emporium.sql("SELECT id FROM app_user WHERE username = $1", name.lower())
    assert user_id is not None, f"{name} has no account"
    return user_id


def _group_id(emporium: Emporium, name: str) -> UUID:
    group_id: UUID | None = emporium.sql("SELECT id FROM user_group WHERE name = $1", name)
    assert group_id is not None, f'there is no group "{name}"'
    return group_id


def _names(words: str) -> list[str]:
    """ "Bob", "Bob and Cleo", "Bob, Cleo and Dan" or "nobody"."""
    return [] if words == "nobody" else [name.strip() for name in re.split(r",| and ", words) if name.strip()]


def _flag_row(admin_pages: AdminPages, flag: str) -> str:
    return element_by_id(admin_pages.page("Ada", "/admin/flags"), f"flag-{flag}")


def _enabled_flags(emporium: Emporium, who: str) -> list[str]:
    session = emporium.get(who, "/auth/session/").json()
    flags: list[str] = session["user"]["enabled_flags"]
    return flags


# --- arranging --------------------------------------------------------------------------------------


@given(parsers.re(r'the group "(?P<group>[^"]+)" (?:exists|has the members? (?P<members>.+))'))
def group_with_members(emporium: Emporium, group: str, members: str | None) -> None:
    flags = emporium.container.flags
    created = emporium.on_app_loop(flags.create_group, emporium.system, name=group)
    for name in _names(members or "nobody"):
        emporium.on_app_loop(flags.add_member, emporium.system, created.id, _user_id(emporium, name))


@given(parsers.re(r'the enabled flag "(?P<flag>[^"]+)" (?:exists|targets "(?P<group>[^"]+)")'))
def enabled_flag(emporium: Emporium, flag: str, group: str | None) -> None:
    flags = emporium.container.flags
    emporium.on_app_loop(flags.create_flag, emporium.system, name=flag, enabled=True)
    if group:
        emporium.on_app_loop(flags.set_targets, emporium.system, flag, {_group_id(emporium, group)})


@given(parsers.re(rf"{WHO} is logged in in a browser of (?:her|his|their) own"))
def own_browser(emporium: Emporium, browsers: dict[str, OwnBrowser], who: str) -> None:
    account, browser = emporium.account(who), _open_browser(emporium)
    assert _log_in(browser, account.username, account.password).status_code == 303
    browsers[who] = OwnBrowser(browser, first_session_id=browser.cookies["sessionid"])


@given(parsers.re(rf"{WHO}'s browser is refused the admin pages"))
def browser_refused(browsers: dict[str, OwnBrowser], who: str) -> None:
    assert browsers[who].client.get("/admin/users").status_code == 403


# --- flags ------------------------------------------------------------------------------------------


@when(parsers.re(rf'{WHO} creates the flag "(?P<flag>[^"]+)" described as "(?P<description>[^"]*)"'))
def create_flag(admin_pages: AdminPages, who: str, flag: str, description: str) -> None:
    admin_pages.submit(who, "/admin/flags", "/admin/flags", {"name": flag, "description": description})


@when(parsers.re(rf'{WHO} switches the flag "(?P<flag>[^"]+)" (?P<state>on|off)'))
def switch_flag(admin_pages: AdminPages, who: str, flag: str, state: str) -> None:
    admin_pages.submit(who, "/admin/flags", f"/admin/flags/{flag}/enabled", {"enabled": str(state == "on").lower()})


@when(parsers.re(rf'{WHO} describes the flag "(?P<flag>[^"]+)" as "(?P<description>[^"]*)"'))
def describe_flag(admin_pages: AdminPages, who: str, flag: str, description: str) -> None:
    admin_pages.submit(who, "/admin/flags", f"/admin/flags/{flag}/description", {"description": description})


@when(parsers.re(rf'{WHO} targets the flag "(?P<flag>[^"]+)" at (?:"(?P<group>[^"]+)"|no group)'))
def target_flag(admin_pages: AdminPages, who: str, flag: str, group: str | None) -> None:
    chosen = {"group_id": [str(_group_id(admin_pages.emporium, group))]} if group else {}
    admin_pages.submit(who, "/admin/flags", f"/admin/flags/{flag}/targets", chosen)


@when(parsers.re(rf'{WHO} deletes the flag "(?P<flag>[^"]+)"'))
def delete_flag(admin_pages: AdminPages, who: str, flag: str) -> None:
    admin_pages.confirm(who, f"/admin/flags/{flag}/delete")


@then(parsers.re(r'the flags page shows "(?P<flag>[^"]+)" (?P<state>on|off) for (?:"(?P<group>[^"]+)"|all users)'))
def flag_shown(admin_pages: AdminPages, flag: str, state: str, group: str | None) -> None:
    row = _flag_row(admin_pages, flag)
    assert f'role="switch" aria-checked="{str(state == "on").lower()}"' in row
    targeting_cell = re.search(r'<td data-label="Targeting">(.*?)</td>', row, re.S)
    assert targeting_cell
    targeting = targeting_cell.group(1)
    if group:
        assert re.findall(r'<li class="chip">([^<]+)</li>', targeting) == [group]
    else:
        assert "All users" in targeting


@then(parsers.re(r'the flags page describes "(?P<flag>[^"]+)" as "(?P<description>[^"]*)"'))
def flag_described(admin_pages: AdminPages, flag: str, description: str) -> None:
    assert f'<p class="description">{description}</p>' in _flag_row(admin_pages, flag)


@then(parsers.re(r'the flags page no longer lists "(?P<flag>[^"]+)"'))
def flag_gone(admin_pages: AdminPages, flag: str) -> None:
    assert f'id="flag-{flag}"' not in admin_pages.page("Ada", "/admin/flags")


@then(parsers.re(rf'the flag "(?P<flag>[^"]+)" is (?P<state>on|off) for {WHO}'))
def flag_is(emporium: Emporium, flag: str, state: str, who: str) -> None:
    assert (flag in _enabled_flags(emporium, who)) is (state == "on")


# --- groups -----------------------------------------------------------------------------------------


@when(parsers.re(rf'{WHO} creates the group "(?P<group>[^"]+)" described as "(?P<description>[^"]*)"'))
def create_group(admin_pages: AdminPages, who: str, group: str, description: str) -> None:
    admin_pages.submit(who, "/admin/groups", "/admin/groups", {"name": group, "description": description})


@when(parsers.re(rf'{WHO} deletes the group "(?P<group>[^"]+)"'))
def delete_group(admin_pages: AdminPages, who: str, group: str) -> None:
    admin_pages.confirm(who, f"/admin/groups/{_group_id(admin_pages.emporium, group)}/delete")


@when(parsers.re(rf'{WHO} adds (?P<member>[A-Z][a-z]+) to the group "(?P<group>[^"]+)"'))
def add_member(admin_pages: AdminPages, who: str, member: str, group: str) -> None:
    group_id = _group_id(admin_pages.emporium, group)
    member_id = _user_id(admin_pages.emporium, member)
    admin_pages.submit(who, "/admin/groups", f"/admin/groups/{group_id}/members", {"user_id": str(member_id)})


@when(parsers.re(rf'{WHO} removes (?P<member>[A-Z][a-z]+) from the group "(?P<group>[^"]+)"'))
def remove_member(admin_pages: AdminPages, who: str, member: str, group: str) -> None:
    group_id = _group_id(admin_pages.emporium, group)
    member_id = _user_id(admin_pages.emporium, member)
    admin_pages.submit(who, "/admin/groups", f"/admin/groups/{group_id}/members/{member_id}/remove")


@then(parsers.re(r'the groups page no longer lists "(?P<group>[^"]+)"'))
def group_gone(admin_pages: AdminPages, group: str) -> None:
    page = admin_pages.page("Ada", "/admin/groups")
    assert f">{group}</h3>" not in page


@then(parsers.re(r'the groups page lists "(?P<group>[^"]+)" with the members "(?P<members>[^"]*)"'))
def group_members(admin_pages: AdminPages, group: str, members: str) -> None:
    card = element_by_id(admin_pages.page("Ada", "/admin/groups"), f"group-{_group_id(admin_pages.emporium, group)}")
    listed = re.findall(r'<li class="chip">([^<\s]+)', card)
    assert listed == [name.strip() for name in members.split(",") if name.strip()]


# --- users ------------------------------------------------------------------------------------------


@when(parsers.re(rf'{WHO} creates the customer "(?P<username>[^"]+)" with the password "(?P<password>[^"]+)"'))
def create_customer(admin_pages: AdminPages, who: str, username: str, password: str) -> None:
    form = {"username": username, "password": password, "email": "", "role": "customer"}
    admin_pages.submit(who, "/admin/users", "/admin/users", form)


@when(parsers.re(rf"{WHO} makes (?P<target>[A-Z][a-z]+) an? (?P<role>admin|customer)"))
def change_role(admin_pages: AdminPages, who: str, target: str, role: str) -> None:
    admin_pages.confirm(who, f"/admin/users/{_user_id(admin_pages.emporium, target)}/role?role={role}")


@then(parsers.re(r'the users page lists "(?P<username>[^"]+)" as an? (?P<role>admin|customer)'))
def user_listed(admin_pages: AdminPages, username: str, role: str) -> None:
    row = element_by_id(admin_pages.page("Ada", "/admin/users"), f"user-{_user_id(admin_pages.emporium, username)}")
    assert f'<span class="row-title">{username}</span>' in row
    assert f'role-badge role-{role}">{role}<' in row


@then(parsers.re(r'the users page shows "(?P<username>[^"]+)" in (?:the groups "(?P<groups>[^"]+)"|no group)'))
def user_groups(admin_pages: AdminPages, username: str, groups: str | None) -> None:
    row = element_by_id(admin_pages.page("Ada", "/admin/users"), f"user-{_user_id(admin_pages.emporium, username)}")
    listed = re.findall(r'<li class="chip">([^<\s]+)', row)
    assert listed == ([name.strip() for name in groups.split(",")] if groups else [])


@then(parsers.re(r'"(?P<username>[^"]+)" can log in with the password "(?P<password>[^"]+)"'))
def can_log_in(emporium: Emporium, username: str, password: str) -> None:
    browser = _open_browser(emporium)
    assert _log_in(browser, username, password).status_code == 303
    assert '<span class="role-badge role-customer">customer</span>' in browser.get("/").text


@then(parsers.re(rf"{WHO}'s next request to the admin pages gets through without logging in again"))
def next_request_gets_through(browsers: dict[str, OwnBrowser], who: str) -> None:
    response = browsers[who].client.get("/admin/users")
    assert response.status_code == 200, response.text


@then(parsers.re(rf"{WHO}'s browser holds a new session id"))
def new_session_id(browsers: dict[str, OwnBrowser], who: str) -> None:
    browser = browsers[who]
    assert browser.client.cookies["sessionid"] not in ("", browser.first_session_id)


# --- coupons ----------------------------------------------------------------------------------------


@when(
    parsers.re(
        rf'{WHO} creates the coupon "(?P<code>[^"]*)" for "(?P<percent>[^"]*)" percent off, '
        r'expiring "(?P<expires_at>[^"]*)"'
    )
)
def create_coupon(admin_pages: AdminPages, who: str, code: str, percent: str, expires_at: str) -> None:
    form = {"code": code, "discount_percent": percent, "expires_at": expires_at}
    admin_pages.submit(who, "/admin/coupons", "/admin/coupons", form)


@then(
    parsers.re(
        r'the coupons page lists first "(?P<code>[^"]+)" for (?P<percent>[\d.]+)% off '
        r'until "(?P<expires>[^"]+)", (?P<status>active|expired)'
    )
)
def coupon_listed_first(admin_pages: AdminPages, code: str, percent: str, expires: str, status: str) -> None:
    page = admin_pages.page("Ada", "/admin/coupons")
    first = re.search(r"<tbody>\s*<tr\b.*?</tr>", page, re.S)
    assert first, "no coupons are listed"
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", first.group(0), re.S)
    ]
    assert cells[:2] == [code, f"{percent}%"]
    assert cells[2] == expires and cells[4] == status.capitalize()


@then(parsers.re(rf'{WHO} is shown "(?P<message>[^"]+)"'))
def shown(admin_pages: AdminPages, who: str, message: str) -> None:
    assert admin_pages.last is not None and admin_pages.last.status_code == 200
    assert f'<div class="flash flash-success" role="status">{message}</div>' in admin_pages.told()


@then(parsers.re(r'the coupons page says "(?P<message>[^"]+)"'))
def coupons_page_says(admin_pages: AdminPages, message: str) -> None:
    assert f'<div class="empty-state"><p>{message}</p></div>' in admin_pages.page("Ada", "/admin/coupons")


# --- refusals ---------------------------------------------------------------------------------------


@then(parsers.re(rf'{WHO} is told "(?P<message>[^"]+)" beside the (?P<field>name|username|code)'))
def told_beside(admin_pages: AdminPages, who: str, message: str, field: str) -> None:
    assert admin_pages.last is not None and admin_pages.last.status_code in (409, 422)
    assert field_error(admin_pages.told(), field) == message


@then(parsers.re(rf"{WHO} is told, beside each field"))
def told_beside_each(admin_pages: AdminPages, who: str, datatable: list[list[str]]) -> None:
    assert admin_pages.last is not None and admin_pages.last.status_code == 422
    page = admin_pages.told()
    assert {row["field"]: field_error(page, row["field"]) for row in table_rows(datatable)} == {
        row["field"]: row["message"] for row in table_rows(datatable)
    }


@when(parsers.re(rf'{WHO} opens the admin page "(?P<path>[^"]+)"'))
def opens(admin_pages: AdminPages, who: str, path: str) -> None:
    admin_pages.emporium.act_as(who)
    admin_pages.last = admin_pages.http.get(path)


@then(parsers.re(rf'{WHO} is refused with "(?P<message>[^"]+)"'))
def refused_with(admin_pages: AdminPages, who: str, message: str) -> None:
    assert admin_pages.last is not None and admin_pages.last.status_code == 403
    assert message in admin_pages.told()
