"""Users in the panel (admins only): add, change role, language and password, switch off; never lock
everybody out."""

from __future__ import annotations

from sqlalchemy import select

from erpsync.models import User
from erpsync.models.db import Database
from erpsync.sync.users import get_user
from tests.admin.conftest import PanelClient


def _user_id(database: Database, name: str) -> int:
    with database.session() as session:
        return get_user(session, name).id


def test_an_admin_adds_a_user_who_can_then_log_in(admin_client: PanelClient, app: object,
                                                   database: Database) -> None:
    response = admin_client.submit("/admin/users/new/", data={
        "username": "olena", "role": "accountant", "language": "uk", "new_password": "olena's password"})
    assert response.status_code == 302
    with database.session() as session:
        user = session.scalars(select(User).where(User.username == "olena")).one()
        assert user.password_hash.startswith("scrypt:") and user.language == "uk"
    client = PanelClient(app.test_client())  # type: ignore[attr-defined]
    assert client.login("olena", "olena's password").status_code == 302


def test_a_short_password_or_a_taken_name_is_refused(admin_client: PanelClient, database: Database) -> None:
    short = admin_client.submit("/admin/users/new/", data={
        "username": "ivan", "role": "accountant", "language": "en", "new_password": "short"})
    assert short.status_code == 200 and 'class="form-control is-invalid" id="new_password"' in short.text
    taken = admin_client.submit("/admin/users/new/", data={
        "username": "ANNA", "role": "accountant", "language": "en", "new_password": "long enough pw"})
    assert "a user named &#39;ANNA&#39; exists already" in taken.text
    with database.session() as session:
        assert session.scalar(select(User).where(User.username == "ivan")) is None


def test_an_admin_changes_role_password_and_switches_a_user_off(
    admin_client: PanelClient, app: object, database: Database
) -> None:
    anna = _user_id(database, "anna")
    page = f"/admin/users/edit/?id={anna}"
    assert admin_client.submit(page, data={"role": "admin", "language": "ru", "active": "y",
                                           "new_password": "anna's new password"}).status_code == 302
    client = PanelClient(app.test_client())  # type: ignore[attr-defined]
    assert client.login("anna", "anna's new password").status_code == 302
    assert client.get("/admin/users/").status_code == 200  # now an admin
    admin_client.submit(page, data={"role": "accountant", "language": "ru", "new_password": ""})
    with database.session() as session:
        user = get_user(session, "anna")
        assert (user.role, user.language, user.active) == ("accountant", "ru", False)
    assert client.get("/admin/").status_code == 302  # switched off: the session ended


def test_an_admin_can_neither_switch_off_themselves_nor_demote_the_last_admin(
    admin_client: PanelClient, database: Database
) -> None:
    boss = _user_id(database, "boss")
    page = f"/admin/users/edit/?id={boss}"
    response = admin_client.submit(page, data={"role": "admin", "language": "en"}, follow_redirects=True)
    assert "You cannot switch off your own user." in response.text
    response = admin_client.submit(page, data={"role": "accountant", "language": "en", "active": "y"},
                                   follow_redirects=True)
    assert "boss is the last active admin" in response.text
    with database.session() as session:
        assert get_user(session, "boss").role == "admin"


def test_user_pages_never_show_password_hashes(admin_client: PanelClient, database: Database) -> None:
    with database.session() as session:
        hashes = [user.password_hash for user in session.scalars(select(User))]
    pages = [admin_client.get("/admin/users/").text,
             admin_client.get(f"/admin/users/edit/?id={_user_id(database, 'anna')}").text,
             admin_client.get(f"/admin/users/details/?id={_user_id(database, 'anna')}").text]
    for page in pages:
        assert "scrypt:" not in page
        assert not any(value in page for value in hashes)
