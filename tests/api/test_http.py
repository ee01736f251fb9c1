"""HTTP surface: routing, methods, malformed input, content types, size limits."""

import json

import pytest

from helpers import (Cli, Server, expect, expect_error, make_account, patient_fields, unique,
                     unwrap_list, unwrap_one)


# ---- routing --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v2/nope", "/api/v2", "/api/v1/centers", "/",
                                  "/api/v2/centers/extra", "/api/v2/patients",
                                  "/api/v2/calendars/1/patients"])
def test_unknown_routes_404(acct, path):
    expect_error(acct.api.get(path), 404)


def test_unknown_nested_routes_404(acct):
    expect_error(acct.api.get(f"{acct.patients}/remote_id:x/more"), 404)
    expect_error(acct.api.get(f"/centers/{acct.center_id}/appointments"), 404)
    expect_error(acct.api.get(f"/calendars/{acct.calendar_id}/services/1"), 404)


@pytest.mark.parametrize("bad", ["abc", "1x", "0x10", "1.0", "%20"])
def test_non_numeric_ids_in_paths_404(acct, bad):
    expect_error(acct.api.get(f"/centers/{bad}/patients"), 404)
    expect_error(acct.api.get(f"/calendars/{bad}/appointments"), 404)
    expect_error(acct.api.get(f"/calendars/{bad}/services"), 404)
    expect_error(acct.api.get(f"{acct.patients}/{bad}"), 404)
    expect_error(acct.api.get(f"{acct.appointments}/{bad}"), 404)


def test_repeated_slashes_count_as_one(acct):
    p = acct.create_patient(remote_id="slash")
    q = acct.api.creds_query()
    for target in (f"/api/v2//centers/{acct.center_id}/patients?{q}",
                   f"//api//v2/centers//{acct.center_id}///patients?{q}"):
        status, headers, body = acct.api.raw("GET", target)
        assert status == 200, body
        assert unwrap_list(body, "patients", "patient") == [p]
    status, _, body = acct.api.raw(
        "GET", f"/api/v2/centers/{acct.center_id}//patients//remote_id:slash?{q}")
    assert status == 200 and unwrap_one(body, "patient") == p
    status, _, body = acct.api.raw(
        "POST", f"/api/v2//centers/{acct.center_id}/patients?{q}",
        body=json.dumps({"patient": patient_fields("via-slashes")}).encode(),
        headers={"Content-Type": "application/json"})
    assert status == 201, body


def test_trailing_slash_is_ignored(acct):
    p = acct.create_patient(remote_id="trail")
    q = acct.api.creds_query()
    status, _, body = acct.api.raw("GET", f"/api/v2/centers/{acct.center_id}/patients/?{q}")
    assert status == 200 and unwrap_list(body, "patients", "patient") == [p]
    status, _, body = acct.api.raw(
        "GET", f"/api/v2/centers/{acct.center_id}/patients/remote_id:trail/?{q}")
    assert status == 200 and unwrap_one(body, "patient") == p


# ---- methods --------------------------------------------------------------


def allow(resp):
    return {m.strip().upper() for m in resp.headers.get("Allow", "").split(",") if m.strip()}


@pytest.mark.parametrize("method, path, allowed", [
    ("DELETE", "/centers", {"GET"}),
    ("POST", "/centers", {"GET"}),
    ("PUT", "/calendars", {"GET"}),
    ("DELETE", "/centers/{c}/patients", {"GET", "POST"}),
    ("PUT", "/centers/{c}/patients", {"GET", "POST"}),
    ("POST", "/centers/{c}/patients/remote_id:x", {"GET", "PUT", "DELETE"}),
    ("PATCH", "/centers/{c}/patients/1", {"GET", "PUT", "DELETE"}),
    ("GET", "/centers/{c}/patients_collections", {"POST"}),
    ("DELETE", "/calendars/{k}/appointments", {"GET", "POST"}),
    ("POST", "/calendars/{k}/appointments/remote_id:x", {"GET", "PUT", "DELETE"}),
    ("PUT", "/calendars/{k}/appointments_collections", {"POST"}),
    ("POST", "/calendars/{k}/services", {"GET"}),
    ("GET", "/calendars/{k}/services_collections", {"POST"}),
])
def test_wrong_method_405_with_allow(acct, method, path, allowed):
    path = path.format(c=acct.center_id, k=acct.calendar_id)
    resp = acct.api.request(method, path)
    expect_error(resp, 405)
    assert "Allow" in resp.headers, resp.headers
    got = allow(resp)
    assert allowed <= got, f"Allow: {resp.headers['Allow']}"
    assert method not in got


def test_405_writes_nothing(acct):
    expect_error(acct.api.put(acct.patients, {"patient": patient_fields("x")}), 405)
    assert acct.list_patients() == []


# ---- malformed input ------------------------------------------------------


@pytest.mark.parametrize("body", [b"{", b"{\"patient\": }", b"not json", b"[1, 2",
                                  b"{\"patient\": {\"remote_id\": \"x\",}}", b"\xff\xfe{}",
                                  b"{\"patient\": {}} trailing",
                                  b"{\"patient\": {\"remote_id\": \"a\\u0000b\"}}"])
def test_malformed_json_400(acct, body):
    resp = acct.api.request("POST", acct.patients, data=body,
                            headers={"Content-Type": "application/json"})
    expect_error(resp, 400)
    assert acct.list_patients() == []


def test_malformed_json_400_on_every_write_route(acct):
    a = acct.create_appointment(remote_id="a")
    acct.create_patient(remote_id="p")
    headers = {"Content-Type": "application/json"}
    for method, path in (
            ("PUT", f"{acct.patients}/remote_id:p"),
            ("POST", f"/centers/{acct.center_id}/patients_collections"),
            ("POST", acct.appointments),
            ("PUT", f"{acct.appointments}/{a['id']}"),
            ("POST", f"/calendars/{acct.calendar_id}/appointments_collections"),
            ("POST", f"/calendars/{acct.calendar_id}/services_collections")):
        expect_error(acct.api.request(method, path, data=b'{"oops"', headers=headers), 400)


@pytest.mark.parametrize("body", [b"[]", b"42", b"\"patient\"", b"null"])
def test_json_that_is_not_an_object_rejected(acct, body):
    resp = acct.api.request("POST", acct.patients, data=body,
                            headers={"Content-Type": "application/json"})
    assert resp.status_code in (400, 422), resp.text
    expect_error(resp, resp.status_code)
    assert acct.list_patients() == []


def test_empty_body_rejected(acct):
    resp = acct.api.request("POST", acct.patients, data=b"",
                            headers={"Content-Type": "application/json"})
    assert resp.status_code in (400, 422), resp.text
    expect_error(resp, resp.status_code)


def test_malformed_form_400(acct):
    resp = acct.api.request("POST", acct.patients, data=b"patient[remote_id=1&%zz",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    expect_error(resp, 400)
    assert acct.list_patients() == []


def test_wrong_field_types_422(acct):
    expect_error(acct.api.post(acct.patients, {"patient": patient_fields(
        first_name={"a": 1}, last_name=["x"])}), 422, "first_name", "last_name")


def test_errors_object_shape(acct):
    body = expect_error(acct.api.post(acct.patients, {"patient": {"remote_id": ""}}), 422)
    assert set(body) == {"error", "errors"}
    assert all(isinstance(v, str) for v in body["errors"].values())


# ---- content types --------------------------------------------------------


@pytest.mark.parametrize("ctype", ["text/plain", "application/octet-stream",
                                   "application/json; charset=utf-8", "application/vnd.api+json",
                                   None])
def test_non_form_content_types_parsed_as_json(acct, ctype):
    rid = unique("ct")
    headers = {"Content-Type": ctype} if ctype else {}
    data = json.dumps({"patient": patient_fields(rid)}).encode()
    if ctype is None:
        # requests adds no Content-Type for raw bytes
        resp = acct.api.request("POST", acct.patients, data=data)
        assert "Content-Type" not in resp.request.headers
    else:
        resp = acct.api.request("POST", acct.patients, data=data, headers=headers)
    assert unwrap_one(expect(resp, 201), "patient")["remote_id"] == rid


@pytest.mark.parametrize("body,ctype", [
    (b'{"patient": {"remote_id": "a\xffb", "first_name": "", "last_name": "", "email": "",'
     b' "phone_number": ""}}', "application/json"),
    (b'{"patient": {"remote_id": "ok", "first_name": "\xc0\xaf", "last_name": "",'
     b' "email": "", "phone_number": ""}}', "application/json"),
    (b"patient[remote_id]=a%FFb&patient[first_name]=&patient[last_name]=&patient[email]="
     b"&patient[phone_number]=", "application/x-www-form-urlencoded"),
])
def test_text_that_is_not_utf8_is_400_and_writes_nothing(acct, body, ctype):
    resp = acct.api.request("POST", acct.patients, data=body, headers={"Content-Type": ctype})
    expect_error(resp, 400)
    assert acct.list_patients() == []


def test_paths_and_queries_that_are_not_utf8_are_400(acct):
    for target in (f"/api/v2/centers/{acct.center_id}/patients/remote_id:a%FFb",
                   f"/api/v2/centers/{acct.center_id}/patients?since=%C0%AF"):
        expect_error(acct.api.request("GET", target), 400)


def test_json_labelled_as_form_is_read_as_json(acct):
    # curl -d '{...}' sends JSON with the form content type
    rid = unique("ct")
    data = json.dumps({"patient": patient_fields(rid)}).encode()
    resp = acct.api.request("POST", acct.patients, data=data,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert unwrap_one(expect(resp, 201), "patient")["remote_id"] == rid


def test_responses_are_json(acct):
    resp = acct.api.get("/centers")
    assert resp.headers["Content-Type"].startswith("application/json")
    resp = acct.api.get("/api/v2/nope")
    assert resp.headers["Content-Type"].startswith("application/json")


# ---- limits (a server of its own with small limits) -----------------------


@pytest.fixture(scope="module")
def limited(agenda_bin, tmp_path_factory):
    d = tmp_path_factory.mktemp("limited")
    cli = Cli(agenda_bin, d / "limited.db")
    srv = Server(agenda_bin, cli.db, d / "server.log", "--max-body", 4096,
                 "--max-collection", 5).start()
    yield cli, srv
    srv.stop()


@pytest.fixture
def small(limited):
    cli, srv = limited
    return make_account(cli, srv.base)


def test_body_over_max_body_413(small):
    fields = patient_fields("big", notes="n" * 8000)
    expect_error(small.api.post(small.patients, {"patient": fields}), 413)
    assert small.list_patients() == []


def test_body_under_max_body_accepted(small):
    fields = patient_fields("fits", notes="n" * 2000)
    assert unwrap_one(expect(small.api.post(small.patients, {"patient": fields}), 201),
                      "patient")["notes"] == "n" * 2000


def test_form_body_over_max_body_413(small):
    form = {"patient[remote_id]": "bigform", "patient[notes]": "n" * 8000}
    expect_error(small.api.post(small.patients, data=form), 413)
    assert small.list_patients() == []


def test_collection_over_max_collection_413(small):
    entries = [{"patient": patient_fields(f"m{i}")} for i in range(6)]
    expect_error(small.api.post(f"/centers/{small.center_id}/patients_collections",
                                {"patients_collection": {"patients": entries}}), 413)
    assert small.list_patients() == []
    appts = [{"appointment": {"remote_id": f"a{i}", "start": 1700000000 + 60 * i,
                              "stop": 1700000060 + 60 * i}} for i in range(6)]
    expect_error(small.api.post(f"/calendars/{small.calendar_id}/appointments_collections",
                                {"appointments_collection": {"appointments": appts}}), 413)
    assert small.list_appointments() == []
    svcs = [{"service": {"name": f"S{i}", "duration": 5}} for i in range(6)]
    expect_error(small.api.post(f"/calendars/{small.calendar_id}/services_collections",
                                {"services_collection": {"services": svcs}}), 413)
    assert small.list_services() == []


def test_collection_at_max_collection_accepted(small):
    entries = [{"patient": patient_fields(f"m{i}")} for i in range(5)]
    out = unwrap_list(expect(small.api.post(f"/centers/{small.center_id}/patients_collections",
                                            {"patients_collection": {"patients": entries}}),
                             200), "patients", "patient")
    assert len(out) == 5


def test_form_collection_over_max_collection_413(small):
    form = [("patients_collection[patients][][patient][remote_id]", str(i)) for i in range(6)]
    expect_error(small.api.post(f"/centers/{small.center_id}/patients_collections", data=form),
                 413)
    assert small.list_patients() == []
