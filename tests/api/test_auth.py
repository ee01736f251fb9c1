"""Authentication (query parameters or HTTP Basic) and authorisation (grants)."""

import re

import pytest

from helpers import expect, expect_error, unique, unwrap_list, unwrap_one


def center_ids(api):
    return [c["id"] for c in unwrap_list(expect(api.get("/centers"), 200), "centers", "center")]


def test_query_parameters_authenticate(acct):
    assert acct.center_id in center_ids(acct.api)


def test_basic_auth_authenticates(acct):
    assert acct.center_id in center_ids(acct.basic)


def test_basic_auth_works_for_writes(acct):
    body = {"patient": {"remote_id": "basic-1", "first_name": "A", "last_name": "B",
                        "email": "", "phone_number": ""}}
    created = unwrap_one(expect(acct.basic.post(acct.patients, body), 201), "patient")
    assert acct.get_patient("remote_id:basic-1")["id"] == created["id"]


def test_account_created_before_server_start_works(boot_account):
    assert boot_account.center_id in center_ids(boot_account.api)
    boot_account.create_patient(remote_id=unique("boot"))


@pytest.mark.parametrize("path", ["/centers", "/calendars"])
def test_missing_credentials_401(acct, path):
    expect_error(acct.api.with_auth(None).get(path), 401)


def test_missing_credentials_401_on_object_routes(acct):
    anon = acct.api.with_auth(None)
    expect_error(anon.get(acct.patients), 401)
    expect_error(anon.post(acct.patients, {"patient": {"remote_id": "x"}}), 401)
    expect_error(anon.get(acct.appointments), 401)
    expect_error(anon.get(f"/calendars/{acct.calendar_id}/services"), 401)


def test_wrong_token_401(acct):
    expect_error(acct.api.with_auth("query", token=acct.token + "x").get("/centers"), 401)
    expect_error(acct.api.with_auth("basic", token="not-the-token").get("/centers"), 401)


def test_unknown_email_401(acct):
    expect_error(acct.api.with_auth("query", email="nobody-" + acct.email).get("/centers"), 401)
    expect_error(acct.api.with_auth("basic", email="nobody-" + acct.email).get("/centers"), 401)


def test_email_without_token_401(acct):
    api = acct.api.with_auth(None)
    expect_error(api.get("/centers", params={"user_email": acct.email}), 401)
    expect_error(api.get("/centers", params={"user_email": acct.email, "user_token": ""}), 401)


def test_unauthorized_write_writes_nothing(acct):
    bad = acct.api.with_auth("query", token="wrong")
    expect_error(bad.post(acct.patients, {"patient": {"remote_id": "nope", "first_name": "",
                                                       "last_name": "", "email": "",
                                                       "phone_number": ""}}), 401)
    assert acct.list_patients() == []


def test_disabled_user_401_then_reset_token_enables(acct, cli):
    cli.revoke(acct.email)
    expect_error(acct.api.get("/centers"), 401)
    expect_error(acct.basic.get("/centers"), 401)
    expect_error(acct.api.get(acct.patients), 401)

    new_token = cli.reset_token(acct.email)
    assert new_token != acct.token
    assert acct.center_id in center_ids(acct.api.with_auth("query", token=new_token))
    assert acct.center_id in center_ids(acct.api.with_auth("basic", token=new_token))


def test_reset_token_invalidates_old_token(acct, cli):
    new_token = cli.reset_token(acct.email)
    assert new_token and new_token != acct.token
    expect_error(acct.api.get("/centers"), 401)
    assert acct.center_id in center_ids(acct.api.with_auth("query", token=new_token))


def _normalised(body):
    return {k: (re.sub(r"\d+", "N", v) if isinstance(v, str) else v) for k, v in body.items()}


def test_foreign_center_is_404_like_nonexistent(acct, other):
    foreign = expect_error(acct.api.get(other.patients), 404)
    missing = expect_error(acct.api.get(acct.patients_of(999999999)), 404)
    assert _normalised(foreign) == _normalised(missing)


def test_foreign_calendar_is_404_like_nonexistent(acct, other):
    foreign = expect_error(acct.api.get(other.appointments), 404)
    missing = expect_error(acct.api.get(acct.appointments_of(999999999)), 404)
    assert _normalised(foreign) == _normalised(missing)
    expect_error(acct.api.get(f"/calendars/{other.calendar_id}/services"), 404)


def test_foreign_center_not_listed(acct, other):
    assert other.center_id not in center_ids(acct.api)
    calendars = unwrap_list(expect(acct.api.get("/calendars"), 200), "calendars", "calendar")
    assert other.calendar_id not in [c["id"] for c in calendars]


def test_foreign_patient_404_through_any_path(acct, other):
    p = other.create_patient(remote_id="shared")
    expect_error(acct.api.get(f"{other.patients}/remote_id:shared"), 404)
    expect_error(acct.api.get(f"{other.patients}/{p['id']}"), 404)
    # through the user's own center, the other center's patient does not exist
    expect_error(acct.api.get(f"{acct.patients}/{p['id']}"), 404)
    expect_error(acct.api.put(f"{acct.patients}/{p['id']}", {"patient": {"remote_id": "mine"}}),
                 404)
    expect_error(acct.api.delete(f"{acct.patients}/{p['id']}"), 404)
    expect_error(acct.api.delete(f"{other.patients}/remote_id:shared"), 404)
    # untouched
    assert other.get_patient("remote_id:shared") == p


def test_foreign_appointment_404_through_any_path(acct, other):
    a = other.create_appointment(remote_id="shared")
    expect_error(acct.api.get(f"{other.appointments}/remote_id:shared"), 404)
    expect_error(acct.api.get(f"{acct.appointments}/{a['id']}"), 404)
    expect_error(acct.api.put(f"{acct.appointments}/{a['id']}",
                              {"appointment": {"remote_id": "mine"}}), 404)
    expect_error(acct.api.delete(f"{acct.appointments}/{a['id']}"), 404)
    assert other.get_appointment("remote_id:shared") == a


def test_foreign_writes_404_and_write_nothing(acct, other):
    body = {"patient": {"remote_id": "intruder", "first_name": "", "last_name": "",
                        "email": "", "phone_number": ""}}
    expect_error(acct.api.post(other.patients, body), 404)
    coll = {"patients_collection": {"patients": [body]}}
    expect_error(acct.api.post(f"/centers/{other.center_id}/patients_collections", coll), 404)
    appt = {"appointment": {"remote_id": "intruder", "start": "1700000000",
                            "stop": "1700001800"}}
    expect_error(acct.api.post(other.appointments, appt), 404)
    expect_error(acct.api.post(f"/calendars/{other.calendar_id}/appointments_collections",
                               {"appointments_collection": {"appointments": [appt]}}), 404)
    svc = {"services_collection": {"services": [{"service": {"name": "X", "duration": 10}}]}}
    expect_error(acct.api.post(f"/calendars/{other.calendar_id}/services_collections", svc), 404)
    assert other.list_patients() == []
    assert other.list_appointments() == []
    assert other.list_services() == []


def test_foreign_service_id_in_collection_is_invalid(acct, other):
    [svc] = other.upsert_services({"name": "Theirs", "duration": 30, "remote_id": "t"})
    body = {"services_collection": {"services": [{"service": {"id": svc["id"], "name": "Mine"}}]}}
    expect_error(acct.api.post(f"/calendars/{acct.calendar_id}/services_collections", body),
                 422, "services[0].id")
    assert other.list_services() == [svc]
    assert acct.list_services() == []


def test_revoked_grant_hides_center(acct, cli):
    acct.create_patient(remote_id="kept")
    cli.revoke(acct.email, acct.center_id)
    assert acct.center_id not in center_ids(acct.api)
    calendars = unwrap_list(expect(acct.api.get("/calendars"), 200), "calendars", "calendar")
    assert acct.calendar_id not in [c["id"] for c in calendars]
    expect_error(acct.api.get(acct.patients), 404)
    expect_error(acct.api.get(f"{acct.patients}/remote_id:kept"), 404)
    expect_error(acct.api.get(acct.appointments), 404)
    # granting again restores access, data intact
    cli.grant(acct.email, acct.center_id)
    assert acct.get_patient("remote_id:kept")["remote_id"] == "kept"


def test_revoking_one_grant_keeps_the_others(acct, other, cli):
    cli.grant(acct.email, other.center_id)
    assert set(center_ids(acct.api)) == {acct.center_id, other.center_id}
    cli.revoke(acct.email, other.center_id)
    assert center_ids(acct.api) == [acct.center_id]
    # the other user keeps their own grant
    assert center_ids(other.api) == [other.center_id]


def test_new_grant_works_at_once_though_grants_are_remembered(acct, other, cli):
    # acct's grants are now remembered by the worker that answered ...
    assert center_ids(acct.api) == [acct.center_id]
    other.create_patient(remote_id="shared")
    cli.grant(acct.email, other.center_id)
    # ... yet a center missing from that memory is looked up again at once
    patients = f"/centers/{other.center_id}/patients"
    expect(acct.api.get(f"{patients}/remote_id:shared"), 200)


def test_every_401_carries_www_authenticate(acct):
    """RFC 9110 section 11.6.1: a 401 names the scheme to use (Basic, UTF-8
    per RFC 7617)."""
    for resp in (acct.api.with_auth(None).get("/centers"),
                 acct.api.with_auth("query", token="wrong").get(acct.patients),
                 acct.api.with_auth("basic", token="wrong").post(acct.patients, {})):
        expect_error(resp, 401)
        assert resp.headers.get("WWW-Authenticate") == 'Basic realm="agenda", charset="UTF-8"', \
            resp.headers
    ok = acct.api.get("/centers")
    assert "WWW-Authenticate" not in ok.headers
