"""Patients: create, read, update, assign remote ids, delete, list."""

import time

import pytest

from helpers import (expect, expect_error, patient_fields, unique, unwrap_list,
                     unwrap_one)

PATIENT_KEYS = {"id", "remote_id", "first_name", "last_name", "email", "phone_number",
                "birthdate", "address", "notes", "status", "language_code"}

DOC_PATIENT = {
    "remote_id": "698",
    "last_name": "Van Hecke",
    "first_name": "Joris",
    "email": "joris.vanhecke@gmail.com",
    "phone_number": "+393883231049",
    "birthdate": "1990-05-16",
    "address": "Rue Brederode, 16, 1000 Brussels",
    "notes": None,
    "language_code": None,
}


def post_patient(acct, fields):
    return acct.api.post(acct.patients, {"patient": fields})


# ---- create ---------------------------------------------------------------


def test_create_document_example(acct):
    p = unwrap_one(expect(post_patient(acct, DOC_PATIENT), 201), "patient")
    assert set(p) >= PATIENT_KEYS
    assert type(p["id"]) is int
    assert {k: p[k] for k in PATIENT_KEYS} == {**DOC_PATIENT, "id": p["id"], "status": "active"}


def test_create_then_get_by_remote_id_and_by_id(acct):
    created = unwrap_one(expect(post_patient(acct, DOC_PATIENT), 201), "patient")
    by_remote = unwrap_one(expect(acct.api.get(f"{acct.patients}/remote_id:698"), 200), "patient")
    by_id = unwrap_one(expect(acct.api.get(f"{acct.patients}/{created['id']}"), 200), "patient")
    assert by_remote == created
    assert by_id == created


def test_create_with_fields_at_top_level(acct):
    p = unwrap_one(expect(acct.api.post(acct.patients, patient_fields("top", first_name="Top")),
                          201), "patient")
    assert p["remote_id"] == "top" and p["first_name"] == "Top"


def test_create_with_form_body(acct):
    form = {"patient[remote_id]": "form-1", "patient[first_name]": "Jean",
            "patient[last_name]": "Dupont", "patient[email]": "jd@example.com",
            "patient[phone_number]": "+32470", "patient[birthdate]": "1985-12-31",
            "patient[address]": "Rue X 1", "patient[notes]": "allergic",
            "patient[language_code]": "fr"}
    p = unwrap_one(expect(acct.api.post(acct.patients, data=form), 201), "patient")
    assert p["remote_id"] == "form-1"
    assert p["first_name"] == "Jean" and p["last_name"] == "Dupont"
    assert p["email"] == "jd@example.com" and p["phone_number"] == "+32470"
    assert p["birthdate"] == "1985-12-31" and p["address"] == "Rue X 1"
    assert p["notes"] == "allergic" and p["language_code"] == "fr"
    assert acct.get_patient("remote_id:form-1") == p


def test_create_with_form_body_and_charset(acct):
    body = ("patient%5Bremote_id%5D=cs-1&patient%5Bfirst_name%5D=Ren%C3%A9"
            "&patient[last_name]=D+C&patient[email]=&patient[phone_number]=")
    r = acct.api.post(acct.patients, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
    p = unwrap_one(expect(r, 201), "patient")
    assert p["first_name"] == "René"
    assert p["last_name"] == "D C"
    assert p["email"] == "" and p["phone_number"] == ""


def test_numeric_remote_id_is_stored_as_string(acct):
    p = unwrap_one(expect(post_patient(acct, patient_fields(698)), 201), "patient")
    assert p["remote_id"] == "698"
    assert acct.get_patient("remote_id:698")["id"] == p["id"]


def test_blank_required_fields_are_accepted(acct):
    p = unwrap_one(expect(post_patient(acct, {"remote_id": "blank", "first_name": "",
                                             "last_name": "", "email": "", "phone_number": ""}),
                          201), "patient")
    assert (p["first_name"], p["last_name"], p["email"], p["phone_number"]) == ("", "", "", "")
    assert p["birthdate"] is None and p["address"] is None
    assert p["notes"] is None and p["language_code"] is None
    assert p["status"] == "active"


def test_null_required_fields_are_rendered_blank(acct):
    p = unwrap_one(expect(post_patient(acct, {"remote_id": "nulls", "first_name": None,
                                             "last_name": None, "email": None,
                                             "phone_number": None}), 201), "patient")
    assert (p["first_name"], p["last_name"], p["email"], p["phone_number"]) == ("", "", "", "")


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "phone_number"])
def test_missing_required_field_422(acct, field):
    fields = patient_fields("miss")
    del fields[field]
    expect_error(post_patient(acct, fields), 422, field)
    assert acct.list_patients() == []


def test_all_missing_required_fields_named(acct):
    expect_error(post_patient(acct, {"remote_id": "only"}), 422,
                 "first_name", "last_name", "email", "phone_number")


@pytest.mark.parametrize("remote_id", [None, ""])
def test_remote_id_required(acct, remote_id):
    fields = patient_fields()
    if remote_id is None:
        del fields["remote_id"]
    else:
        fields["remote_id"] = remote_id
    expect_error(post_patient(acct, fields), 422, "remote_id")
    assert acct.list_patients() == []


@pytest.mark.parametrize("date", ["1990-05-16", "2024-02-29", "2000-02-29", "1999-12-31"])
def test_valid_birthdates(acct, date):
    p = unwrap_one(expect(post_patient(acct, patient_fields(birthdate=date)), 201), "patient")
    assert p["birthdate"] == date


@pytest.mark.parametrize("date", ["2023-02-29", "1900-02-29", "1990-13-01", "1990-04-31",
                                  "1990-5-16", "16/05/1990", "yesterday", "1990-05-16T00:00:00",
                                  "19900516"])
def test_invalid_birthdates_422(acct, date):
    expect_error(post_patient(acct, patient_fields(birthdate=date)), 422, "birthdate")
    assert acct.list_patients() == []


@pytest.mark.parametrize("value", [None, ""])
def test_blank_birthdate_is_null(acct, value):
    p = unwrap_one(expect(post_patient(acct, patient_fields(birthdate=value)), 201), "patient")
    assert p["birthdate"] is None


def test_language_code_two_letters(acct):
    p = unwrap_one(expect(post_patient(acct, patient_fields(language_code="nl")), 201), "patient")
    assert p["language_code"] == "nl"


@pytest.mark.parametrize("code", ["eng", "e", "e1", "12", "français"])
def test_invalid_language_code_422(acct, code):
    expect_error(post_patient(acct, patient_fields(language_code=code)), 422, "language_code")


def test_unknown_fields_are_ignored(acct):
    p = unwrap_one(expect(post_patient(acct, patient_fields("unk", favourite_colour="blue",
                                                           id_card={"x": 1})), 201), "patient")
    assert "favourite_colour" not in p and "id_card" not in p
    assert p["remote_id"] == "unk"


def test_duplicate_remote_id_409(acct):
    first = acct.create_patient(remote_id="dup")
    expect_error(post_patient(acct, patient_fields("dup", first_name="Other")), 409)
    assert acct.list_patients() == [first]


def test_same_remote_id_in_two_centers(acct, other):
    a = acct.create_patient(remote_id="same")
    b = other.create_patient(remote_id="same")
    assert a["id"] != b["id"]
    assert acct.get_patient("remote_id:same")["id"] == a["id"]
    assert other.get_patient("remote_id:same")["id"] == b["id"]


def test_remote_id_reusable_after_delete(acct):
    old = acct.create_patient(remote_id="reuse", first_name="Old")
    expect(acct.api.delete(f"{acct.patients}/remote_id:reuse"), 204)
    new = acct.create_patient(remote_id="reuse", first_name="New")
    assert new["id"] != old["id"]
    assert acct.get_patient("remote_id:reuse")["first_name"] == "New"


# ---- addressing -----------------------------------------------------------


@pytest.mark.parametrize("remote_id, encoded", [
    ("a b", "a%20b"),
    ("x/y", "x%2Fy"),
    ("r:1", "r%3A1"),
    ("é", "%C3%A9"),
    ("50%", "50%25"),
    ("a?b", "a%3Fb"),
])
def test_percent_encoded_remote_id(acct, remote_id, encoded):
    p = acct.create_patient(remote_id=remote_id)
    target = f"/api/v2{acct.patients}/remote_id:{encoded}?{acct.api.creds_query()}"
    status, _, body = acct.api.raw("GET", target)
    assert status == 200, body
    assert unwrap_one(body, "patient") == p
    status, _, body = acct.api.raw("PUT", target, body=b'{"patient":{"first_name":"Enc"}}',
                                   headers={"Content-Type": "application/json"})
    assert status == 200, body
    assert unwrap_one(body, "patient")["first_name"] == "Enc"
    status, _, body = acct.api.raw("DELETE", target)
    assert status == 204 and body is None
    assert acct.list_patients() == []


def test_numeric_looking_remote_id_differs_from_platform_id(acct):
    a = acct.create_patient(remote_id="r-a")
    b = acct.create_patient(remote_id=str(a["id"]))  # remote id equal to a's platform id
    assert acct.get_patient(str(a["id"]))["id"] == a["id"]
    assert acct.get_patient(f"remote_id:{a['id']}")["id"] == b["id"]


def test_unknown_patient_404(acct):
    expect_error(acct.api.get(f"{acct.patients}/remote_id:nobody"), 404)
    expect_error(acct.api.get(f"{acct.patients}/987654321"), 404)
    expect_error(acct.api.put(f"{acct.patients}/remote_id:nobody",
                              {"patient": {"first_name": "x"}}), 404)
    expect_error(acct.api.delete(f"{acct.patients}/remote_id:nobody"), 404)


# ---- update ---------------------------------------------------------------


def test_put_by_remote_id_is_partial(acct):
    p = acct.create_patient(**DOC_PATIENT)
    r = acct.api.put(f"{acct.patients}/remote_id:698", {"patient": {"first_name": "Jo",
                                                                    "notes": "VIP"}})
    updated = unwrap_one(expect(r, 200), "patient")
    assert updated == {**p, "first_name": "Jo", "notes": "VIP"}
    assert acct.get_patient("remote_id:698") == updated


def test_put_document_example_body(acct):
    acct.create_patient(remote_id="698", first_name="X", last_name="Y", email="", phone_number="")
    body = {k: v for k, v in DOC_PATIENT.items() if k != "remote_id"}
    updated = unwrap_one(expect(acct.api.put(f"{acct.patients}/remote_id:698",
                                             {"patient": body}), 200), "patient")
    assert updated["remote_id"] == "698"
    for k, v in body.items():
        assert updated[k] == v, k


def test_put_with_form_body(acct):
    acct.create_patient(remote_id="pf", first_name="A")
    r = acct.api.put(f"{acct.patients}/remote_id:pf",
                     data={"patient[first_name]": "B", "patient[language_code]": "es"})
    updated = unwrap_one(expect(r, 200), "patient")
    assert updated["first_name"] == "B" and updated["language_code"] == "es"


def test_put_with_top_level_fields(acct):
    acct.create_patient(remote_id="pt", last_name="A")
    updated = unwrap_one(expect(acct.api.put(f"{acct.patients}/remote_id:pt",
                                             {"last_name": "Z"}), 200), "patient")
    assert updated["last_name"] == "Z"


def test_put_null_clears_optional_fields(acct):
    acct.create_patient(remote_id="clr", birthdate="1990-05-16", address="Somewhere",
                        notes="n", language_code="fr")
    r = acct.api.put(f"{acct.patients}/remote_id:clr", {"patient": {
        "birthdate": None, "address": None, "notes": None, "language_code": None}})
    p = unwrap_one(expect(r, 200), "patient")
    assert (p["birthdate"], p["address"], p["notes"], p["language_code"]) == (None,) * 4
    assert acct.get_patient("remote_id:clr") == p


def test_put_invalid_field_422_changes_nothing(acct):
    before = acct.create_patient(remote_id="inv", first_name="Keep")
    expect_error(acct.api.put(f"{acct.patients}/remote_id:inv",
                              {"patient": {"first_name": "Lost", "birthdate": "2023-02-29"}}),
                 422, "birthdate")
    assert acct.get_patient("remote_id:inv") == before


def test_put_by_platform_id_assigns_remote_id(acct):
    p = acct.create_patient(remote_id="before")
    r = acct.api.put(f"{acct.patients}/{p['id']}", {"patient": {"remote_id": "698"}})
    updated = unwrap_one(expect(r, 200), "patient")
    assert updated == {**p, "remote_id": "698"}
    assert acct.get_patient("remote_id:698")["id"] == p["id"]
    expect_error(acct.api.get(f"{acct.patients}/remote_id:before"), 404)


def test_put_by_remote_id_can_rename(acct):
    p = acct.create_patient(remote_id="old-name")
    r = acct.api.put(f"{acct.patients}/remote_id:old-name", {"patient": {"remote_id": "new"}})
    assert unwrap_one(expect(r, 200), "patient") == {**p, "remote_id": "new"}
    expect_error(acct.api.get(f"{acct.patients}/remote_id:old-name"), 404)


def test_assign_remote_id_used_by_another_patient_409(acct):
    a = acct.create_patient(remote_id="taken")
    b = acct.create_patient(remote_id="free")
    expect_error(acct.api.put(f"{acct.patients}/{b['id']}", {"patient": {"remote_id": "taken"}}),
                 409)
    assert acct.get_patient(str(a["id"]))["remote_id"] == "taken"
    assert acct.get_patient(str(b["id"]))["remote_id"] == "free"


def test_assign_remote_id_of_deleted_patient(acct):
    acct.create_patient(remote_id="gone")
    expect(acct.api.delete(f"{acct.patients}/remote_id:gone"), 204)
    b = acct.create_patient(remote_id="b")
    r = acct.api.put(f"{acct.patients}/{b['id']}", {"patient": {"remote_id": "gone"}})
    assert unwrap_one(expect(r, 200), "patient")["remote_id"] == "gone"


def test_assign_same_remote_id_again_is_fine(acct):
    p = acct.create_patient(remote_id="self")
    r = acct.api.put(f"{acct.patients}/{p['id']}", {"patient": {"remote_id": "self"}})
    assert unwrap_one(expect(r, 200), "patient") == p


# ---- delete ---------------------------------------------------------------


def test_delete_by_remote_id(acct):
    keep = acct.create_patient(remote_id="keep")
    acct.create_patient(remote_id="del")
    expect(acct.api.delete(f"{acct.patients}/remote_id:del"), 204)
    expect_error(acct.api.get(f"{acct.patients}/remote_id:del"), 404)
    expect_error(acct.api.delete(f"{acct.patients}/remote_id:del"), 404)
    expect_error(acct.api.put(f"{acct.patients}/remote_id:del", {"patient": {"notes": "x"}}),
                 404)
    assert acct.list_patients() == [keep]


def test_delete_by_platform_id(acct):
    p = acct.create_patient()
    expect(acct.api.delete(f"{acct.patients}/{p['id']}"), 204)
    expect_error(acct.api.get(f"{acct.patients}/{p['id']}"), 404)
    expect_error(acct.api.delete(f"{acct.patients}/{p['id']}"), 404)


def wait_next_second():
    """Returns the current second once it differs from the one at the call."""
    t = int(time.time())
    while int(time.time()) == t:
        time.sleep(0.05)
    return int(time.time())


def test_delete_unlinks_its_appointments_and_touches_them(acct):
    p = acct.create_patient(remote_id="104")
    cal2 = acct.add_calendar(slug=unique("cal"))
    mine = acct.create_appointment(remote_id="a1", patient_remote_id="104")
    there = acct.create_appointment(calendar_id=cal2, remote_id="a2", patient_remote_id="104")
    cancelled = acct.create_appointment(remote_id="a3", patient_remote_id="104",
                                        status="cancelled", start=2_000_000_000)
    unrelated = acct.create_appointment(remote_id="a4", start=2_100_000_000)
    assert mine["patient_id"] == str(p["id"]) and there["patient_remote_id"] == "104"
    t = wait_next_second()
    expect(acct.api.delete(f"{acct.patients}/remote_id:104"), 204)

    def shown(cal=None):
        return {a["remote_id"]: (a["patient_id"], a["patient_remote_id"])
                for a in acct.list_appointments(calendar_id=cal)}
    assert shown() == {"a1": (None, None), "a3": (None, None), "a4": (None, None)}
    assert shown(cal2) == {"a2": (None, None)}
    # `since` pollers see the change: since=t + 30 reaches back to t exactly
    # (README), after the appointments were written and before the deletion
    changed = {a["remote_id"] for a in acct.list_appointments(since=t + 30)}
    assert changed == {"a1", "a3"} and unrelated["remote_id"] not in changed
    assert [a["remote_id"] for a in acct.list_appointments(calendar_id=cal2, since=t + 30)] == [
        "a2"]
    # a new patient with the old remote_id is not the old patient's appointments'
    newcomer = acct.create_patient(remote_id="104")
    assert newcomer["id"] != p["id"]
    assert shown() == {"a1": (None, None), "a3": (None, None), "a4": (None, None)}
    a1 = acct.get_appointment("remote_id:a1")
    assert (a1["patient_id"], a1["patient_remote_id"]) == (None, None)
    # and linking it again shows the new one, both ids of one patient
    a1 = unwrap_one(expect(acct.api.put(f"{acct.appointments}/remote_id:a1",
                                        {"appointment": {"patient_remote_id": "104"}}), 200),
                    "appointment")
    assert (a1["patient_id"], a1["patient_remote_id"]) == (str(newcomer["id"]), "104")


def test_deleted_appointments_of_a_deleted_patient_are_unlinked_too(acct):
    acct.create_patient(remote_id="104")
    acct.create_appointment(remote_id="gone", patient_remote_id="104")
    t = int(time.time())
    expect(acct.api.delete(f"{acct.appointments}/remote_id:gone"), 204)
    expect(acct.api.delete(f"{acct.patients}/remote_id:104"), 204)
    acct.create_patient(remote_id="104")
    [tomb] = acct.list_appointments(since=t)
    assert tomb["status"] == "deleted"
    assert (tomb["patient_id"], tomb["patient_remote_id"]) == (None, None)


# ---- list -----------------------------------------------------------------


def test_list_sorted_by_id_with_total(acct):
    created = [acct.create_patient(remote_id=f"r{i}") for i in (3, 1, 2)]
    r = acct.api.get(acct.patients)
    listed = unwrap_list(expect(r, 200), "patients", "patient")
    assert listed == sorted(created, key=lambda p: p["id"])
    assert r.headers["X-Total-Count"] == "3"


def test_empty_list(acct):
    r = acct.api.get(acct.patients)
    assert expect(r, 200) == {"patients": []}
    assert r.headers["X-Total-Count"] == "0"


def test_list_excludes_deleted_without_since(acct):
    a = acct.create_patient()
    b = acct.create_patient()
    expect(acct.api.delete(f"{acct.patients}/{b['id']}"), 204)
    r = acct.api.get(acct.patients)
    assert unwrap_list(expect(r, 200), "patients", "patient") == [a]
    assert r.headers["X-Total-Count"] == "1"


def test_since_includes_tombstones(acct):
    t = int(time.time())
    live = acct.create_patient(remote_id="live")
    dead = acct.create_patient(remote_id="dead")
    expect(acct.api.delete(f"{acct.patients}/remote_id:dead"), 204)
    r = acct.api.get(acct.patients, params={"since": t})
    listed = {p["id"]: p for p in unwrap_list(expect(r, 200), "patients", "patient")}
    assert set(listed) == {live["id"], dead["id"]}
    assert listed[live["id"]]["status"] == "active"
    assert listed[dead["id"]]["status"] == "deleted"
    assert r.headers["X-Total-Count"] == "2"
    assert [p["id"] for p in unwrap_list(expect(r, 200), "patients", "patient")] == sorted(listed)


def test_since_zero_lists_everything_including_tombstones(acct):
    a = acct.create_patient()
    b = acct.create_patient()
    expect(acct.api.delete(f"{acct.patients}/{a['id']}"), 204)
    listed = acct.list_patients(since=0)
    assert [(p["id"], p["status"]) for p in listed] == [(a["id"], "deleted"),
                                                       (b["id"], "active")]


# since reaches 30 seconds back (README: a write stamped before a poll may
# commit after it), so "older" means older than that margin
SINCE_MARGIN = 30


def test_since_in_the_future_excludes_older_updates(acct):
    acct.create_patient()
    future = int(time.time()) + SINCE_MARGIN + 1
    r = acct.api.get(acct.patients, params={"since": future})
    assert expect(r, 200) == {"patients": []}
    assert r.headers["X-Total-Count"] == "0"


def test_since_repeats_changes_within_the_margin(acct):
    p = acct.create_patient()
    soon = int(time.time()) + SINCE_MARGIN - 5
    r = acct.api.get(acct.patients, params={"since": soon})
    assert [x["patient"]["id"] for x in expect(r, 200)["patients"]] == [p["id"]]


def test_since_sees_updates(acct):
    p = acct.create_patient(remote_id="upd")
    t = int(time.time())
    expect(acct.api.put(f"{acct.patients}/remote_id:upd", {"patient": {"notes": "changed"}}),
           200)
    listed = acct.list_patients(since=t)
    assert [q["id"] for q in listed] == [p["id"]]
    assert listed[0]["notes"] == "changed"


@pytest.mark.parametrize("param", [{"page": "0"}, {"page": "-1"}, {"page": "x"},
                                   {"page": "1.5"}, {"page": "99999999999999999999"},
                                   {"since": "yesterday"},
                                   {"since": "-"}])
def test_invalid_list_parameters_400(acct, param):
    expect_error(acct.api.get(acct.patients, params=param), 400)


def test_small_list_pages(acct):
    p = acct.create_patient()
    r1 = acct.api.get(acct.patients, params={"page": 1})
    assert unwrap_list(expect(r1, 200), "patients", "patient") == [p]
    r2 = acct.api.get(acct.patients, params={"page": 2})
    assert expect(r2, 200) == {"patients": []}
    assert r1.headers["X-Total-Count"] == r2.headers["X-Total-Count"] == "1"


def test_paging_over_2500_patients(acct):
    entries = [{"patient": {"remote_id": f"pg{i}", "first_name": f"F{i}", "last_name": "",
                            "email": "", "phone_number": ""}} for i in range(2500)]
    r = acct.api.post(f"/centers/{acct.center_id}/patients_collections",
                      {"patients_collection": {"patients": entries}})
    assert len(unwrap_list(expect(r, 200), "patients", "patient")) == 2500

    pages = []
    for page in (1, 2, 3):
        r = acct.api.get(acct.patients, params={"page": page})
        assert r.headers["X-Total-Count"] == "2500"
        pages.append([p["id"] for p in unwrap_list(expect(r, 200), "patients", "patient")])
    assert [len(p) for p in pages] == [1000, 1000, 500]
    ids = pages[0] + pages[1] + pages[2]
    assert ids == sorted(ids) and len(set(ids)) == 2500

    r = acct.api.get(acct.patients)  # no page: the first page
    assert [p["id"] for p in unwrap_list(expect(r, 200), "patients", "patient")] == pages[0]
    assert r.headers["X-Total-Count"] == "2500"

    r = acct.api.get(acct.patients, params={"page": 4})
    assert expect(r, 200) == {"patients": []}
    assert r.headers["X-Total-Count"] == "2500"
    remote_ids = {p["remote_id"] for page in (1, 2, 3)
                  for p in acct.list_patients(page=page)}
    assert remote_ids == {f"pg{i}" for i in range(2500)}


def test_list_only_shows_own_center(acct, other):
    mine = acct.create_patient()
    other.create_patient()
    assert acct.list_patients() == [mine]


def test_patient_fields_are_strings_and_status_active(acct):
    acct.create_patient(remote_id=unique("t"), birthdate="2001-01-01", address="A", notes="N",
                        language_code="en")
    [p] = acct.list_patients()
    for k in ("remote_id", "first_name", "last_name", "email", "phone_number", "birthdate",
              "address", "notes", "language_code"):
        assert isinstance(p[k], str), k
    assert type(p["id"]) is int
    assert p["status"] == "active"


def test_a_deleted_patients_personal_fields_are_erased_and_its_tombstone_keeps_ids(acct):
    t = int(time.time())
    secret = unique("Zyx")
    p = acct.create_patient(remote_id="erase-me", first_name=secret, last_name=secret + "son",
                            email=f"{secret.lower()}@example.net", phone_number="+32471234567",
                            birthdate="1971-02-03", address=f"{secret} street 1",
                            notes=f"{secret} notes", language_code="fr")
    expect(acct.api.delete(f"{acct.patients}/remote_id:erase-me"), 204)
    [tomb] = [x for x in acct.list_patients(since=t) if x["id"] == p["id"]]
    assert tomb["status"] == "deleted" and tomb["remote_id"] == "erase-me"
    for field in ("first_name", "last_name", "email", "phone_number"):
        assert tomb[field] == "", (field, tomb[field])
    for field in ("birthdate", "address", "notes", "language_code"):
        assert tomb.get(field) in (None, False, ""), (field, tomb[field])
    assert secret not in str(tomb)
