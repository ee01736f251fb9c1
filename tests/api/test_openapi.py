"""The API's OpenAPI document (src/api/openapi.json): served as checked in at
GET /api/v2/openapi.json without credentials, with an ETag and 304; covering
every route of the server's table (src/api/routes.c); and the check that
holds every answer of this suite to it (openapi_check.py) refusing what the
document does not say."""

import hashlib
import json
import pathlib
import re
import threading

import pytest
import requests

import openapi_check
from helpers import API, Api, expect, expect_error

REPO = pathlib.Path(__file__).resolve().parents[2]
DOC = REPO / "src" / "api" / "openapi.json"
ROUTES = REPO / "src" / "api" / "routes.c"


def etag_of(data):
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def test_served_without_credentials_byte_for_byte(server):
    data = DOC.read_bytes()
    for api in (Api(server.base, auth=None), Api(server.base, "nobody@example.com", "wrong")):
        r = api.get("/openapi.json")
        assert r.status_code == 200, r.text[:300]
        assert r.headers["Content-Type"] == "application/json"
        assert r.content == data, "the served document differs from the checked-in file"
        assert r.headers["ETag"] == etag_of(data)
    assert json.loads(data)["openapi"] == "3.1.0"


@pytest.mark.parametrize("inm", ["{etag}", "W/{etag}", '"other", {etag}', "*"])
def test_if_none_match_304(server, inm):
    api = Api(server.base, auth=None)
    etag = etag_of(DOC.read_bytes())
    r = api.get("/openapi.json", headers={"If-None-Match": inm.format(etag=etag)})
    assert r.status_code == 304 and r.content == b"", r.text[:300]
    assert r.headers["ETag"] == etag


def test_another_etag_gets_the_document(server):
    r = Api(server.base, auth=None).get("/openapi.json", headers={"If-None-Match": '"stale"'})
    assert r.status_code == 200 and r.content == DOC.read_bytes()


def test_other_methods_405(server):
    r = Api(server.base, auth=None).post("/openapi.json", {"x": 1})
    expect_error(r, 405)
    assert r.headers["Allow"] == "GET"


def _normal(path):
    """A path with every capture written {} (the table's {id} and {ref} and
    the document's {center_id}, {patient_ref} name the same segments)."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_every_route_of_the_table_is_documented_and_nothing_else():
    table = set()
    for method, pattern in re.findall(r'^\s*\{"([A-Z]+)", "([^"]+)",', ROUTES.read_text(), re.M):
        table.add((method.lower(), _normal(API + "/" + pattern)))
    assert len(table) > 50, "routes.c no longer parses"
    doc = json.loads(DOC.read_text())
    documented = set()
    for path, item in doc["paths"].items():
        for method in item:
            if method in openapi_check.METHODS:
                documented.add((method, _normal(path)))
    probes = {("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics")}
    assert table - documented == set(), "routes the document lacks"
    assert documented - table - probes == set(), "documented operations the server lacks"


def test_probes_are_documented(server):
    api = Api(server.base, auth=None)
    assert expect(api.get("/healthz"), 200) == {"status": "ok"}
    assert expect(api.get("/readyz"), 200) == {"status": "ready"}
    r = api.get("/metrics")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")


# ---- the check itself: what it refuses, and how it says so --------------


def test_check_refuses_a_body_that_does_not_match():
    body = json.dumps({"patient": {"id": "3", "remote_id": "698"}}).encode()
    with pytest.raises(openapi_check.OpenApiMismatch) as e:
        openapi_check.check("GET", "/api/v2/centers/1/patients/remote_id:698", 200,
                            "application/json; charset=utf-8", body)
    msg = str(e.value)
    assert "GET /api/v2/centers/{center_id}/patients/{patient_ref} (getPatient)" in msg
    assert "200" in msg and "patient" in msg and "schema" in msg, msg


def test_check_refuses_an_appointment_id_as_a_number():
    appt = {"id": 57, "remote_id": "8401", "start": "1417682400", "stop": "1417683600",
            "notes": False, "warning": False, "color": "", "title": "", "status": "booked",
            "patient_id": None, "patient_remote_id": None, "service_remote_id": None,
            "noshow": False, "patient_arrived_at": None}
    with pytest.raises(openapi_check.OpenApiMismatch) as e:
        openapi_check.check("GET", "/api/v2/calendars/1/appointments/57", 200,
                            "application/json", json.dumps({"appointment": appt}).encode())
    assert "appointment/id" in str(e.value) and "57" in str(e.value), str(e.value)
    appt["id"] = "57"
    openapi_check.check("GET", "/api/v2/calendars/1/appointments/57", 200,
                        "application/json", json.dumps({"appointment": appt}).encode())


def test_check_refuses_an_undocumented_status():
    with pytest.raises(openapi_check.OpenApiMismatch, match="does not list"):
        openapi_check.check("DELETE", "/api/v2/centers/1/patients/3", 200, "application/json",
                            b'{"patient": {}}')
    with pytest.raises(openapi_check.OpenApiMismatch, match="does not list"):
        openapi_check.check("GET", "/api/v2/no/such/route", 200, "application/json", b"{}")


def test_check_takes_unknown_paths_and_other_methods_as_documented():
    openapi_check.check("GET", "/api/v2/no/such/route", 404, "application/json",
                        b'{"error":"no such route"}')
    openapi_check.check("PATCH", "/api/v2/centers", 405, "application/json",
                        b'{"error":"method not allowed on this route"}')
    with pytest.raises(openapi_check.OpenApiMismatch):
        openapi_check.check("PATCH", "/api/v2/centers", 405, "application/json", b'{"e":1}')


def test_skipping_the_check_needs_a_reason(server):
    api = Api(server.base, auth=None)
    for reason in ("", "  ", True):
        with pytest.raises(AssertionError, match="reason"):
            api.get("/centers", unchecked=reason)
    assert api.get("/centers", unchecked="the test of this very argument").status_code == 401


def test_a_mismatch_in_another_thread_is_kept_for_the_test():
    """A worker thread may swallow the error: conftest.py fails the test with
    what is kept here (this test empties it again, having made it on purpose)."""
    caught = []

    def worker():
        try:
            openapi_check.check("GET", "/healthz", 200, "application/json", b'{"status": 1}')
        except openapi_check.OpenApiMismatch as e:
            caught.append(e)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert caught and openapi_check.thread_failures == [str(caught[0])]
    del openapi_check.thread_failures[:]
