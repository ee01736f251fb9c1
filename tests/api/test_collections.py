"""patients_collections and appointments_collections: upsert in bulk, all or nothing."""

import pytest

from helpers import (T0, expect, expect_error, patient_fields, unwrap_list)


def patients_coll(acct):
    return f"/centers/{acct.center_id}/patients_collections"


def appointments_coll(acct):
    return f"/calendars/{acct.calendar_id}/appointments_collections"


def post_patients(acct, entries, wrap=True):
    items = [{"patient": e} for e in entries] if wrap else entries
    return acct.api.post(patients_coll(acct), {"patients_collection": {"patients": items}})


def post_appointments(acct, entries):
    items = [{"appointment": e} for e in entries]
    return acct.api.post(appointments_coll(acct),
                         {"appointments_collection": {"appointments": items}})


def patients_out(resp, status=200):
    return unwrap_list(expect(resp, status), "patients", "patient")


def appointments_out(resp, status=200):
    return unwrap_list(expect(resp, status), "appointments", "appointment")


# ---- patients -------------------------------------------------------------


def test_patients_create_and_list(acct):
    entries = [patient_fields(f"c{i}", first_name=f"F{i}") for i in range(5)]
    out = patients_out(post_patients(acct, entries))
    assert [p["remote_id"] for p in out] == [f"c{i}" for i in range(5)]
    assert [p["first_name"] for p in out] == [f"F{i}" for i in range(5)]
    assert all(type(p["id"]) is int and p["status"] == "active" for p in out)
    assert acct.list_patients() == sorted(out, key=lambda p: p["id"])


def test_patients_document_example_assigns_remote_ids(acct):
    """The document's request: entries with a platform id (as strings) and a remote_id."""
    a = acct.create_patient(remote_id="old-a", first_name="A")
    b = acct.create_patient(remote_id="old-b", first_name="B")
    out = patients_out(post_patients(acct, [{"id": str(a["id"]), "remote_id": "698"},
                                            {"id": str(b["id"]), "remote_id": "999"}]))
    assert out == [{**a, "remote_id": "698"}, {**b, "remote_id": "999"}]
    assert acct.get_patient("remote_id:698")["first_name"] == "A"
    assert acct.get_patient("remote_id:999")["first_name"] == "B"


def test_patients_mixed_create_and_update_in_input_order(acct):
    existing = acct.create_patient(remote_id="e", first_name="Old", last_name="Keep")
    by_id = acct.create_patient(remote_id="i", first_name="Old")
    out = patients_out(post_patients(acct, [
        patient_fields("n1", first_name="New1"),
        {"remote_id": "e", "first_name": "Updated"},
        {"id": by_id["id"], "notes": "by id"},
        patient_fields("n2", first_name="New2"),
    ]))
    assert [p["remote_id"] for p in out] == ["n1", "e", "i", "n2"]
    assert out[1] == {**existing, "first_name": "Updated"}
    assert out[2] == {**by_id, "notes": "by id"}
    assert len(acct.list_patients()) == 4


def test_patients_bare_entries(acct):
    out = patients_out(post_patients(acct, [patient_fields("bare1"), patient_fields("bare2")],
                                     wrap=False))
    assert [p["remote_id"] for p in out] == ["bare1", "bare2"]


def test_patients_mixed_bare_and_wrapped_entries(acct):
    out = patients_out(post_patients(acct, [{"patient": patient_fields("w")},
                                            patient_fields("b")], wrap=False))
    assert [p["remote_id"] for p in out] == ["w", "b"]


def test_patients_numeric_remote_ids(acct):
    out = patients_out(post_patients(acct, [patient_fields(1), patient_fields(2)]))
    assert [p["remote_id"] for p in out] == ["1", "2"]


def test_patients_empty_collection(acct):
    assert expect(post_patients(acct, []), 200) == {"patients": []}


def test_patients_invalid_entry_writes_nothing(acct):
    existing = acct.create_patient(remote_id="e", first_name="Keep")
    resp = post_patients(acct, [
        patient_fields("n1"),
        {"remote_id": "e", "first_name": "Changed"},
        patient_fields("n2", birthdate="2023-02-29"),
    ])
    body = expect_error(resp, 422, "patients[2].birthdate")
    assert not any(k.startswith(("patients[0]", "patients[1]")) for k in body["errors"])
    assert acct.list_patients() == [existing]


def test_patients_errors_name_only_bad_entries(acct):
    body = expect_error(post_patients(acct, [
        patient_fields("ok"),
        {"remote_id": "a", "first_name": "", "last_name": "", "email": ""},
        patient_fields("", first_name="x"),
        patient_fields("c", language_code="xyz"),
    ]), 422)
    assert body["errors"], body
    assert set(body["errors"]) <= {"patients[1].phone_number", "patients[2].remote_id",
                                   "patients[3].language_code"}, body
    assert acct.list_patients() == []


def test_patients_remote_id_conflict_409_writes_nothing(acct):
    a = acct.create_patient(remote_id="a")
    b = acct.create_patient(remote_id="b")
    expect_error(post_patients(acct, [patient_fields("new"),
                                      {"id": b["id"], "remote_id": "a"}]), 409)
    assert acct.list_patients() == [a, b]


def test_patients_same_new_remote_id_twice(acct):
    out = patients_out(post_patients(acct, [
        patient_fields("twice", first_name="First", last_name="Kept"),
        {"remote_id": "twice", "first_name": "Second"},
    ]))
    assert len(out) == 2
    assert out[0]["id"] == out[1]["id"]
    assert out[1]["first_name"] == "Second" and out[1]["last_name"] == "Kept"
    [p] = acct.list_patients()
    assert p == out[1]


def test_patients_remote_id_of_deleted_patient_creates(acct):
    old = acct.create_patient(remote_id="z")
    expect(acct.api.delete(f"{acct.patients}/remote_id:z"), 204)
    [p] = patients_out(post_patients(acct, [patient_fields("z", first_name="Reborn")]))
    assert p["id"] != old["id"] and p["first_name"] == "Reborn"


def test_patients_created_entry_follows_create_rules(acct):
    expect_error(post_patients(acct, [{"remote_id": "partial", "first_name": "Only"}]), 422,
                 "patients[0].last_name", "patients[0].email", "patients[0].phone_number")
    assert acct.list_patients() == []


def test_patients_form_rails_style(acct):
    form = []
    for rid, name in (("1", "Ann"), ("2", "Bob")):
        for key, value in (("remote_id", rid), ("first_name", name), ("last_name", "L"),
                           ("email", ""), ("phone_number", "")):
            form.append((f"patients_collection[patients][][patient][{key}]", value))
    out = patients_out(acct.api.post(patients_coll(acct), data=form))
    assert [(p["remote_id"], p["first_name"]) for p in out] == [("1", "Ann"), ("2", "Bob")]


def test_patients_form_indexed(acct):
    form = []
    for i, (rid, name) in enumerate((("10", "Cid"), ("11", "Dee"), ("12", "Eve"))):
        for key, value in (("remote_id", rid), ("first_name", name), ("last_name", ""),
                           ("email", ""), ("phone_number", "")):
            form.append((f"patients_collection[patients][{i}][patient][{key}]", value))
    out = patients_out(acct.api.post(patients_coll(acct), data=form))
    assert [(p["remote_id"], p["first_name"]) for p in out] == [
        ("10", "Cid"), ("11", "Dee"), ("12", "Eve")]


def test_patients_form_literal_document_keys(acct):
    """patients_collection[patients][patient][remote_id]=1&...[remote_id]=2: each
    repetition of a key starts a new entry."""
    form = []
    for rid, name in (("1", "Ann"), ("2", "Bob"), ("3", "Cy")):
        for key, value in (("remote_id", rid), ("first_name", name), ("last_name", ""),
                           ("email", "a@b.c"), ("phone_number", "")):
            form.append((f"patients_collection[patients][patient][{key}]", value))
    out = patients_out(acct.api.post(patients_coll(acct), data=form))
    assert [(p["remote_id"], p["first_name"], p["email"]) for p in out] == [
        ("1", "Ann", "a@b.c"), ("2", "Bob", "a@b.c"), ("3", "Cy", "a@b.c")]


def test_patients_form_literal_document_example(acct):
    """The document's shortest form: only ids and remote_ids, assigning remote ids."""
    a = acct.create_patient(remote_id="x1")
    b = acct.create_patient(remote_id="x2")
    body = (f"patients_collection[patients][patient][id]={a['id']}"
            f"&patients_collection[patients][patient][remote_id]=1"
            f"&patients_collection[patients][patient][id]={b['id']}"
            f"&patients_collection[patients][patient][remote_id]=2")
    out = patients_out(acct.api.post(patients_coll(acct), data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"}))
    assert [(p["id"], p["remote_id"]) for p in out] == [(a["id"], "1"), (b["id"], "2")]


def test_patients_form_validation_error_index(acct):
    form = [("patients_collection[patients][0][patient][remote_id]", "ok"),
            ("patients_collection[patients][0][patient][first_name]", ""),
            ("patients_collection[patients][0][patient][last_name]", ""),
            ("patients_collection[patients][0][patient][email]", ""),
            ("patients_collection[patients][0][patient][phone_number]", ""),
            ("patients_collection[patients][1][patient][remote_id]", "bad"),
            ("patients_collection[patients][1][patient][birthdate]", "1990-02-30")]
    expect_error(acct.api.post(patients_coll(acct), data=form), 422, "patients[1].birthdate")
    assert acct.list_patients() == []


def test_ten_thousand_patients_in_one_request(acct):
    entries = [{"remote_id": str(i), "first_name": "", "last_name": "", "email": "",
                "phone_number": ""} for i in range(10_000)]
    out = patients_out(post_patients(acct, entries, wrap=False))
    assert len(out) == 10_000
    assert [p["remote_id"] for p in out[:3]] == ["0", "1", "2"]
    assert out[-1]["remote_id"] == "9999"
    assert len({p["id"] for p in out}) == 10_000
    r = acct.api.get(acct.patients, params={"page": 10})
    assert r.headers["X-Total-Count"] == "10000"
    assert len(unwrap_list(expect(r, 200), "patients", "patient")) == 1000


def test_patients_malformed_collection_400_or_422(acct):
    """A body that is not a collection at all is rejected and writes nothing."""
    resp = acct.api.post(patients_coll(acct), {"patients_collection": {"patients": "nope"}})
    assert resp.status_code in (400, 422), resp.text
    expect_error(resp, resp.status_code)
    assert acct.list_patients() == []


# ---- appointments ---------------------------------------------------------


def test_appointments_create_and_update(acct):
    acct.create_patient(remote_id="104")
    existing = acct.create_appointment(remote_id="e", start=T0, stop=T0 + 600)
    out = appointments_out(post_appointments(acct, [
        {"remote_id": "n1", "start": T0 + 3600, "stop": T0 + 4200, "patient_remote_id": "104"},
        {"remote_id": "e", "title": "Changed"},
        {"id": existing["id"], "notes": "by id"},
    ]))
    assert [a["remote_id"] for a in out] == ["n1", "e", "e"]
    assert isinstance(out[0]["id"], str) and out[0]["patient_remote_id"] == "104"
    assert out[2] == {**existing, "title": "Changed", "notes": "by id"}
    assert len(acct.list_appointments()) == 2


def test_appointments_document_example_assigns_remote_ids(acct):
    acct.create_patient(remote_id="104")
    acct.create_patient(remote_id="80")
    a = acct.create_appointment(remote_id="old1", start=T0)
    b = acct.create_appointment(remote_id="old2", start=T0 + 3600)
    out = appointments_out(post_appointments(acct, [
        {"id": a["id"], "remote_id": "8401", "patient_remote_id": "104"},
        {"id": b["id"], "remote_id": "8402", "patient_remote_id": "80"},
    ]))
    assert [(x["id"], x["remote_id"], x["patient_remote_id"]) for x in out] == [
        (a["id"], "8401", "104"), (b["id"], "8402", "80")]


def test_appointments_bulk_cancellation(acct):
    made = [acct.create_appointment(remote_id=f"b{i}", start=T0 + 3600 * i) for i in range(4)]
    out = appointments_out(post_appointments(acct, [
        {"remote_id": "b0", "status": "cancelled"},
        {"remote_id": "b2", "status": "cancelled"},
        {"id": made[3]["id"], "status": "cancelled"},
    ]))
    assert [a["status"] for a in out] == ["cancelled"] * 3
    statuses = {a["remote_id"]: a["status"] for a in acct.list_appointments()}
    assert statuses == {"b0": "cancelled", "b1": "booked", "b2": "cancelled",
                        "b3": "cancelled"}


def test_appointments_cancelled_cannot_be_booked_in_collection(acct):
    acct.create_appointment(remote_id="c", status="cancelled")
    acct.create_appointment(remote_id="d", start=T0 + 3600)
    expect_error(post_appointments(acct, [{"remote_id": "d", "title": "x"},
                                          {"remote_id": "c", "status": "booked"}]),
                 422, "appointments[1].status")
    assert {a["remote_id"]: (a["status"], a["title"]) for a in acct.list_appointments()} == {
        "c": ("cancelled", ""), "d": ("booked", "")}


def test_appointments_cancelled_cannot_be_booked_through_noshow_in_collection(acct):
    acct.create_appointment(remote_id="c")
    acct.create_appointment(remote_id="d", start=T0 + 3600)
    # within one collection, two entries touching the same appointment
    expect_error(post_appointments(acct, [{"remote_id": "c", "status": "cancelled"},
                                          {"remote_id": "c", "noshow": True},
                                          {"remote_id": "c", "noshow": False}]),
                 422, "appointments[1].noshow")
    # one entry per step, in separate collections
    appointments_out(post_appointments(acct, [{"remote_id": "d", "status": "cancelled"}]))
    expect_error(post_appointments(acct, [{"remote_id": "d", "noshow": True}]),
                 422, "appointments[0].noshow")
    assert appointments_out(post_appointments(
        acct, [{"remote_id": "d", "noshow": False}]))[0]["status"] == "cancelled"
    assert {a["remote_id"]: a["status"] for a in acct.list_appointments()} == {
        "c": "booked", "d": "cancelled"}


def test_appointments_bulk_deletion(acct):
    made = [acct.create_appointment(remote_id=f"b{i}", start=T0 + 3600 * i) for i in range(4)]
    out = appointments_out(post_appointments(acct, [
        {"remote_id": "b0", "status": "deleted"},
        {"id": made[2]["id"], "status": "deleted", "title": "not read"},
        {"remote_id": "b1", "title": "kept"},
    ]))
    # the answer shows each deleted appointment as its tombstone
    assert out[0] == {**made[0], "status": "deleted"}
    assert out[1] == {**made[2], "status": "deleted"}
    assert out[2]["title"] == "kept" and out[2]["status"] == "booked"
    assert [a["remote_id"] for a in acct.list_appointments()] == ["b1", "b3"]
    expect_error(acct.api.get(f"{acct.appointments}/remote_id:b0"), 404)
    expect_error(acct.api.get(f"{acct.appointments}/{made[2]['id']}"), 404)
    # a since poller sees the deletions, as after DELETE
    since = {a["remote_id"]: a["status"] for a in acct.list_appointments(since=0)}
    assert since == {"b0": "deleted", "b1": "booked", "b2": "deleted", "b3": "booked"}
    # the remote_id is free again, as after DELETE
    again = appointments_out(post_appointments(acct, [
        {"remote_id": "b0", "start": T0, "stop": T0 + 60}]))
    assert again[0]["id"] != made[0]["id"] and again[0]["status"] == "booked"


def test_appointments_bulk_deletion_in_a_form(acct):
    acct.create_appointment(remote_id="f0")
    acct.create_appointment(remote_id="f1", start=T0 + 3600)
    form = [("appointments_collection[appointments][][appointment][remote_id]", "f0"),
            ("appointments_collection[appointments][][appointment][status]", "deleted")]
    out = appointments_out(acct.api.post(appointments_coll(acct), data=form))
    assert [(a["remote_id"], a["status"]) for a in out] == [("f0", "deleted")]
    assert [a["remote_id"] for a in acct.list_appointments()] == ["f1"]


def test_appointments_bulk_deletion_frees_the_time_of_neighbours(acct):
    acct.create_appointment(remote_id="a", start=T0, stop=T0 + 1800)
    acct.create_appointment(remote_id="b", start=T0 + 600, stop=T0 + 1200)
    assert acct.get_appointment("remote_id:a")["warning"] is True
    appointments_out(post_appointments(acct, [{"remote_id": "b", "status": "deleted"}]))
    assert acct.get_appointment("remote_id:a")["warning"] is False


@pytest.mark.parametrize("entry, field", [
    ({"remote_id": "ghost", "status": "deleted"}, "remote_id"),
    ({"id": "999999999", "status": "deleted"}, "id"),
    ({"status": "deleted"}, "status"),
    ({"remote_id": "", "status": "deleted"}, "status"),
    ({"remote_id": "gone", "status": "deleted"}, "remote_id"),
])
def test_appointments_deleting_nothing_is_422_and_writes_nothing(acct, entry, field):
    existing = acct.create_appointment(remote_id="e")
    acct.create_appointment(remote_id="gone", start=T0 + 7200)
    expect(acct.api.delete(f"{acct.appointments}/remote_id:gone"), 204)
    before = acct.list_appointments()
    expect_error(post_appointments(acct, [
        {"remote_id": "e", "status": "deleted"},
        {"remote_id": "n1", "start": T0 + 3600, "stop": T0 + 4200},
        entry,
    ]), 422, f"appointments[2].{field}")
    assert acct.list_appointments() == before == [existing]


def test_appointments_deleted_twice_in_one_collection_is_422(acct):
    acct.create_appointment(remote_id="d")
    expect_error(post_appointments(acct, [{"remote_id": "d", "status": "deleted"},
                                          {"remote_id": "d", "status": "deleted"}]),
                 422, "appointments[1].remote_id")
    assert [a["remote_id"] for a in acct.list_appointments()] == ["d"]
    # deleted, then created again under its remote_id: a new appointment
    out = appointments_out(post_appointments(acct, [
        {"remote_id": "d", "status": "deleted"},
        {"remote_id": "d", "start": T0 + 60, "stop": T0 + 120}]))
    assert out[0]["status"] == "deleted" and out[1]["status"] == "booked"
    assert out[0]["id"] != out[1]["id"]


def test_deleted_is_no_status_outside_collections(acct):
    acct.create_appointment(remote_id="s")
    expect_error(acct.api.put(f"{acct.appointments}/remote_id:s",
                              {"appointment": {"status": "deleted"}}), 422, "status")
    expect_error(acct.api.post(acct.appointments, {"appointment": {
        "remote_id": "n", "start": T0, "stop": T0 + 60, "status": "deleted"}}), 422, "status")
    assert [a["remote_id"] for a in acct.list_appointments()] == ["s"]


def test_patients_collection_has_no_bulk_deletion(acct):
    # the document gives collection patients no status: it is ignored, as
    # any unknown field, and DELETE is the way to delete a patient
    p = acct.create_patient(remote_id="p")
    out = patients_out(post_patients(acct, [{"remote_id": "p", "status": "deleted"}]))
    assert out[0]["status"] == "active" and acct.list_patients() == [p]


@pytest.mark.parametrize("bad, field", [
    ({"start": T0 + 7200, "stop": T0 + 7200}, "stop"),
    ({"start": T0, "stop": T0 + 60, "patient_remote_id": "ghost"}, "patient_remote_id"),
    ({"start": T0, "stop": T0 + 60, "service_remote_id": "ghost"}, "service_remote_id"),
    ({"start": T0, "stop": T0 + 60, "color": "pink"}, "color"),
    ({"start": T0, "stop": T0 + 60, "status": "done"}, "status"),
    ({"start": "soon", "stop": T0 + 60}, "start"),
])
def test_appointments_invalid_entry_writes_nothing(acct, bad, field):
    existing = acct.create_appointment(remote_id="e")
    body = expect_error(post_appointments(acct, [
        {"remote_id": "n1", "start": T0 + 3600, "stop": T0 + 4200},
        {"remote_id": "e", "title": "Changed"},
        {"remote_id": "n2", **bad},
        {"remote_id": "n3", "start": T0 + 9000, "stop": T0 + 9600},
    ]), 422, f"appointments[2].{field}")
    assert all(k.startswith("appointments[2].") for k in body["errors"]), body
    assert acct.list_appointments() == [existing]


def test_appointments_created_entry_needs_start_and_stop(acct):
    expect_error(post_appointments(acct, [{"remote_id": "x"}]), 422,
                 "appointments[0].start", "appointments[0].stop")
    assert acct.list_appointments() == []


def test_appointments_remote_id_conflict_409(acct):
    a = acct.create_appointment(remote_id="a")
    b = acct.create_appointment(remote_id="b", start=T0 + 3600)
    expect_error(post_appointments(acct, [
        {"remote_id": "n", "start": T0 + 7200, "stop": T0 + 7260},
        {"id": b["id"], "remote_id": "a"}]), 409)
    assert acct.list_appointments() == [a, b]


def test_appointments_same_new_remote_id_twice(acct):
    out = appointments_out(post_appointments(acct, [
        {"remote_id": "t", "start": T0, "stop": T0 + 600, "title": "First"},
        {"remote_id": "t", "title": "Second"},
    ]))
    assert out[0]["id"] == out[1]["id"]
    assert out[1]["title"] == "Second" and out[1]["start"] == str(T0)
    [a] = acct.list_appointments()
    assert a == out[1]


def test_appointments_form_rails_style(acct):
    form = []
    for rid, start in (("r1", T0), ("r2", T0 + 3600)):
        for key, value in (("remote_id", rid), ("start", str(start)),
                           ("stop", str(start + 600)), ("noshow", "false")):
            form.append((f"appointments_collection[appointments][][appointment][{key}]", value))
    out = appointments_out(acct.api.post(appointments_coll(acct), data=form))
    assert [(a["remote_id"], a["start"]) for a in out] == [("r1", str(T0)),
                                                            ("r2", str(T0 + 3600))]


def test_appointments_form_literal_document_keys(acct):
    form = []
    for rid, start in (("l1", T0), ("l2", T0 + 3600)):
        for key, value in (("remote_id", rid), ("start", str(start)),
                           ("stop", str(start + 600)), ("status", "cancelled")):
            form.append((f"appointments_collection[appointments][appointment][{key}]", value))
    out = appointments_out(acct.api.post(appointments_coll(acct), data=form))
    assert [(a["remote_id"], a["status"]) for a in out] == [("l1", "cancelled"),
                                                             ("l2", "cancelled")]


def test_appointments_form_indexed(acct):
    form = []
    for i, rid in enumerate(("i0", "i1")):
        for key, value in (("remote_id", rid), ("start", str(T0 + i * 600)),
                           ("stop", str(T0 + i * 600 + 600))):
            form.append((f"appointments_collection[appointments][{i}][appointment][{key}]",
                         value))
    out = appointments_out(acct.api.post(appointments_coll(acct), data=form))
    assert [a["remote_id"] for a in out] == ["i0", "i1"]


def test_appointments_warning_computed_after_whole_collection(acct):
    out = appointments_out(post_appointments(acct, [
        {"remote_id": "a", "start": T0, "stop": T0 + 1800},
        {"remote_id": "b", "start": T0 + 600, "stop": T0 + 1200},
    ]))
    # each answer shows the calendar as the whole collection left it
    assert out[0]["warning"] is True and out[1]["warning"] is True
    assert acct.get_appointment("remote_id:a")["warning"] is True


@pytest.mark.parametrize("wrapper", [None, "wrapped"])
def test_appointments_bare_and_wrapped_entries(acct, wrapper):
    entry = {"remote_id": "w", "start": T0, "stop": T0 + 60}
    items = [{"appointment": entry}] if wrapper else [entry]
    out = appointments_out(acct.api.post(appointments_coll(acct), {
        "appointments_collection": {"appointments": items}}))
    assert [a["remote_id"] for a in out] == ["w"]


# ---- written in bulk ------------------------------------------------------
# A collection reads the rows its entries name up front and writes them many
# at a time (src/api/bulk.c); the answers are those of entries written one by
# one, in order.


def test_patients_conflict_with_an_unnamed_patient_names_the_entry(acct):
    """A remote_id held by a patient no entry names is only found by the
    database; the answer still names the entry."""
    a = acct.create_patient(remote_id="a")
    b = acct.create_patient(remote_id="b")
    body = expect_error(post_patients(acct, [patient_fields("new"), {"remote_id": "b"},
                                             {"id": b["id"], "remote_id": "a"}]),
                        409, "patients[2].remote_id")
    assert list(body["errors"]) == ["patients[2].remote_id"]
    assert acct.list_patients() == [a, b]


def test_patients_conflict_with_a_later_entry_names_the_first(acct):
    """Entry 0 takes a name that entry 1 gives up only afterwards: entry 0
    conflicts, as it would written alone."""
    a = acct.create_patient(remote_id="a")
    b = acct.create_patient(remote_id="b")
    body = expect_error(post_patients(acct, [{"id": a["id"], "remote_id": "b"},
                                             {"remote_id": "b", "remote_id_note": "x"},
                                             {"id": b["id"], "remote_id": "c"}]),
                        409, "patients[0].remote_id")
    assert list(body["errors"]) == ["patients[0].remote_id"]
    assert acct.list_patients() == [a, b]


def test_patients_trade_remote_ids_through_a_spare_name(acct):
    a = acct.create_patient(remote_id="a", first_name="A")
    b = acct.create_patient(remote_id="b", first_name="B")
    out = patients_out(post_patients(acct, [{"id": a["id"], "remote_id": "spare"},
                                            {"id": b["id"], "remote_id": "a"},
                                            {"id": a["id"], "remote_id": "b"}]))
    assert [(p["id"], p["remote_id"]) for p in out] == [
        (a["id"], "spare"), (b["id"], "a"), (a["id"], "b")]
    assert acct.get_patient("remote_id:b")["first_name"] == "A"
    assert acct.get_patient("remote_id:a")["first_name"] == "B"


def test_patients_each_entry_answers_the_state_it_left(acct):
    p = acct.create_patient(remote_id="p", first_name="Old", last_name="Old")
    out = patients_out(post_patients(acct, [
        {"remote_id": "p", "first_name": "New"},
        patient_fields("made", first_name="Made"),
        {"id": p["id"], "last_name": "New"},
        {"remote_id": "made", "notes": "then noted"},
        {"remote_id": "p", "remote_id_unused": 1},
    ]))
    assert out[0] == {**p, "first_name": "New"}
    assert out[2] == out[4] == {**p, "first_name": "New", "last_name": "New"}
    assert out[1]["notes"] is None and out[3]["notes"] == "then noted"
    assert out[1]["id"] == out[3]["id"]
    assert acct.get_patient("remote_id:made") == out[3]


def test_patients_id_and_remote_id_lookups_across_many_entries(acct):
    """More entries than one bulk statement holds, some named by id, some by
    remote_id, some new, in one collection."""
    old = [acct.create_patient(remote_id=f"old{i}") for i in range(150)]
    entries = []
    for i in range(300):
        if i % 3 == 0:
            entries.append({"id": old[i // 2]["id"], "notes": f"by id {i}"})
        elif i % 3 == 1:
            entries.append({"remote_id": f"old{i // 2}", "notes": f"by remote_id {i}"})
        else:
            entries.append(patient_fields(f"new{i}", notes=f"new {i}"))
    out = patients_out(post_patients(acct, entries))
    for i, p in enumerate(out):
        if i % 3 == 2:
            assert p["remote_id"] == f"new{i}" and p["id"] not in {o["id"] for o in old}
        else:
            assert p["id"] == old[i // 2]["id"] and p["remote_id"] == f"old{i // 2}"
    listed = {p["id"]: p for p in acct.list_patients()}
    assert len(listed) == 250
    for p in out:
        assert listed[p["id"]]["remote_id"] == p["remote_id"]


def test_patients_unknown_id_is_422_in_bulk(acct):
    body = expect_error(post_patients(acct, [patient_fields("n"), {"id": 987654, "notes": "x"}]),
                        422, "patients[1].id")
    assert list(body["errors"]) == ["patients[1].id"]
    assert acct.list_patients() == []


def test_appointments_reference_lookups_read_ahead(acct):
    acct.create_patient(remote_id="p1")
    acct.create_patient(remote_id="p2")
    [svc] = acct.upsert_services({"remote_id": "s1", "name": "S", "duration": 15,
                                  "color": "#abcdef"})
    made = acct.create_appointment(remote_id="m", start=T0 + 90000, patient_remote_id="p1")
    out = appointments_out(post_appointments(acct, [
        {"remote_id": "x", "start": T0, "stop": T0 + 60, "patient_remote_id": "p1",
         "service_remote_id": "s1"},
        {"remote_id": "y", "start": T0 + 600, "stop": T0 + 660, "patient_remote_id": "p2"},
        {"remote_id": "x", "patient_remote_id": "p2", "service_remote_id": ""},
        {"remote_id": "m", "patient_remote_id": ""},
    ]))
    assert [(a["remote_id"], a["patient_remote_id"], a["service_remote_id"], a["color"])
            for a in out] == [("x", "p1", "s1", "#abcdef"), ("y", "p2", None, ""),
                              ("x", "p2", None, ""), ("m", None, None, "")]
    assert out[3]["patient_id"] is None and out[3]["id"] == made["id"]
    assert acct.get_appointment("remote_id:x") == out[2]
    assert svc["color"] == "#abcdef"


def test_appointments_many_entries_each_answer_matches_its_row(acct):
    old = [acct.create_appointment(remote_id=f"o{i}", start=T0 + i * 3600, stop=T0 + i * 3600 + 600)
           for i in range(60)]
    entries = []
    for i in range(240):
        if i < 60:
            entries.append({"remote_id": f"o{i}", "title": f"moved {i}",
                            "start": T0 + 500000 + i * 3600, "stop": T0 + 500000 + i * 3600 + 600})
        else:
            entries.append({"remote_id": f"n{i}", "start": T0 + i * 3600,
                            "stop": T0 + i * 3600 + 1800})
    out = appointments_out(post_appointments(acct, entries))
    assert [a["id"] for a in out[:60]] == [a["id"] for a in old]
    listed = {a["id"]: a for a in acct.list_appointments()}
    assert len(listed) == 240
    for a in out:
        assert listed[a["id"]] == a


def test_patients_every_refusal_listed_with_one_only_the_database_sees(acct):
    """A bad entry, and a rename onto a remote_id that no entry names (which
    only the database can refuse): both are reported."""
    a = acct.create_patient(remote_id="a")
    b = acct.create_patient(remote_id="b")
    body = expect_error(post_patients(acct, [patient_fields("n", birthdate="2023-02-30"),
                                             {"id": b["id"], "remote_id": "a"},
                                             patient_fields("fine")]),
                        422, "patients[0].birthdate", "patients[1].remote_id")
    assert sorted(body["errors"]) == ["patients[0].birthdate", "patients[1].remote_id"]
    assert acct.list_patients() == [a, b]


def test_appointments_created_then_deleted_in_one_collection(acct):
    out = appointments_out(post_appointments(acct, [
        {"remote_id": "x", "start": T0, "stop": T0 + 600, "title": "made"},
        {"remote_id": "x", "title": "renamed"},
        {"remote_id": "x", "status": "deleted"},
        {"remote_id": "x", "start": T0 + 60, "stop": T0 + 120},
    ]))
    assert out[0]["id"] == out[1]["id"] == out[2]["id"] != out[3]["id"]
    assert (out[1]["title"], out[1]["status"]) == ("renamed", "booked")
    assert (out[2]["title"], out[2]["status"], out[2]["warning"]) == ("renamed", "deleted", False)
    assert [a["id"] for a in acct.list_appointments()] == [out[3]["id"]]
    tombstones = [a for a in acct.list_appointments(since=0) if a["status"] == "deleted"]
    assert tombstones == [out[2]]


def test_appointments_updated_then_deleted_leave_the_updated_tombstone(acct):
    made = acct.create_appointment(remote_id="u", start=T0, stop=T0 + 600)
    other = acct.create_appointment(remote_id="o", start=T0 + 300, stop=T0 + 900)
    out = appointments_out(post_appointments(acct, [
        {"remote_id": "u", "title": "last words"},
        {"id": made["id"], "status": "deleted"},
    ]))
    assert out[1] == {**made, "title": "last words", "status": "deleted", "warning": False}
    assert acct.get_appointment("remote_id:o") == {**other, "warning": False}
