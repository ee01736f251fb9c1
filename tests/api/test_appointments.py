"""Appointments: create, read, update, status rules, warning, delete, list."""

import time

import pytest

from helpers import (T0, appointment_fields, expect, expect_error, unique, unwrap_list,
                     unwrap_one)

APPOINTMENT_KEYS = {"id", "remote_id", "start", "stop", "notes", "warning", "color", "title",
                    "status", "patient_id", "patient_remote_id", "service_remote_id", "noshow",
                    "patient_arrived_at"}


def post(acct, fields, calendar_id=None):
    return acct.api.post(acct.appointments_of(calendar_id or acct.calendar_id),
                         {"appointment": fields})


def put(acct, ref, fields):
    return acct.api.put(f"{acct.appointments}/{ref}", {"appointment": fields})


def ok(resp, status=200):
    return unwrap_one(expect(resp, status), "appointment")


# ---- create ---------------------------------------------------------------


def test_create_document_example(acct):
    patient = acct.create_patient(remote_id="104")
    acct.upsert_services({"remote_id": "xyz", "name": "Consultation", "duration": 20})
    body = {"remote_id": "8401", "start": "1417682400", "stop": "1417683600", "notes": False,
            "color": "#101010", "title": "", "status": "booked", "patient_remote_id": "104",
            "service_remote_id": "xyz", "noshow": False, "patient_arrived_at": None}
    a = ok(post(acct, body), 201)
    assert set(a) >= APPOINTMENT_KEYS
    assert isinstance(a["id"], str) and a["id"].isdigit()
    assert {k: a[k] for k in APPOINTMENT_KEYS} == {
        "id": a["id"], "remote_id": "8401", "start": "1417682400", "stop": "1417683600",
        "notes": False, "warning": False, "color": "#101010", "title": "", "status": "booked",
        "patient_id": str(patient["id"]), "patient_remote_id": "104",
        "service_remote_id": "xyz", "noshow": False, "patient_arrived_at": None}
    assert acct.get_appointment("remote_id:8401") == a
    assert acct.get_appointment(a["id"]) == a


def test_minimal_appointment_defaults(acct):
    a = ok(post(acct, {"remote_id": "min", "start": T0, "stop": T0 + 600}), 201)
    assert a["start"] == str(T0) and a["stop"] == str(T0 + 600)
    assert a["notes"] is False
    assert a["warning"] is False
    assert a["color"] == ""
    assert a["title"] == ""
    assert a["status"] == "booked"
    assert a["noshow"] is False
    assert a["patient_id"] is None
    assert a["patient_arrived_at"] is None


def test_timestamps_as_numbers_or_digit_strings(acct):
    a = ok(post(acct, {"remote_id": "n", "start": T0, "stop": str(T0 + 900),
                       "patient_arrived_at": T0 - 60}), 201)
    assert (a["start"], a["stop"], a["patient_arrived_at"]) == (str(T0), str(T0 + 900),
                                                                str(T0 - 60))
    b = ok(post(acct, {"remote_id": "s", "start": str(T0), "stop": T0 + 900,
                       "patient_arrived_at": str(T0 + 5)}), 201)
    assert (b["start"], b["stop"], b["patient_arrived_at"]) == (str(T0), str(T0 + 900),
                                                                str(T0 + 5))


def test_numeric_remote_id_is_a_string(acct):
    a = ok(post(acct, {"remote_id": 8401, "start": T0, "stop": T0 + 60}), 201)
    assert a["remote_id"] == "8401"
    assert acct.get_appointment("remote_id:8401")["id"] == a["id"]


def test_create_with_top_level_fields(acct):
    a = ok(acct.api.post(acct.appointments, appointment_fields("top", title="Lunch")), 201)
    assert a["remote_id"] == "top" and a["title"] == "Lunch"


def test_create_with_form_body(acct):
    acct.create_patient(remote_id="p1")
    form = {"appointment[remote_id]": "f1", "appointment[start]": str(T0),
            "appointment[stop]": str(T0 + 1200), "appointment[notes]": "bring x-rays",
            "appointment[color]": "#00ff00", "appointment[title]": "Check-up",
            "appointment[status]": "booked", "appointment[patient_remote_id]": "p1",
            "appointment[noshow]": "false", "appointment[patient_arrived_at]": str(T0 + 30)}
    a = ok(acct.api.post(acct.appointments, data=form), 201)
    assert a["remote_id"] == "f1" and a["start"] == str(T0) and a["stop"] == str(T0 + 1200)
    assert a["notes"] == "bring x-rays" and a["color"] == "#00ff00" and a["title"] == "Check-up"
    assert a["patient_remote_id"] == "p1" and a["noshow"] is False
    assert a["patient_arrived_at"] == str(T0 + 30)


def test_form_noshow_true(acct):
    a = ok(acct.api.post(acct.appointments, data={
        "appointment[remote_id]": "fn", "appointment[start]": str(T0),
        "appointment[stop]": str(T0 + 60), "appointment[noshow]": "true"}), 201)
    assert a["noshow"] is True and a["status"] == "noshow"


@pytest.mark.parametrize("missing", ["remote_id", "start", "stop"])
def test_required_fields_422(acct, missing):
    fields = appointment_fields("req")
    del fields[missing]
    expect_error(post(acct, fields), 422, missing)
    assert acct.list_appointments() == []


def test_blank_remote_id_422(acct):
    expect_error(post(acct, appointment_fields("")), 422, "remote_id")


@pytest.mark.parametrize("stop", [T0, T0 - 1])
def test_stop_must_be_after_start(acct, stop):
    expect_error(post(acct, {"remote_id": "bad", "start": T0, "stop": stop}), 422, "stop")
    assert acct.list_appointments() == []


WEEK = 7 * 86400


def test_an_appointment_may_last_seven_days_at_most(acct):
    # start 0 and stop in 2028 used to be accepted, taking every slot for years
    body = expect_error(post(acct, {"remote_id": "abs", "start": 0, "stop": 1830000000}), 422,
                        "stop")
    assert "7 days" in body["errors"]["stop"]
    expect_error(post(acct, appointment_fields("long", start=T0, stop=T0 + WEEK + 1)), 422,
                 "stop")
    week = ok(post(acct, appointment_fields("week", start=T0, stop=T0 + WEEK)), 201)
    assert int(week["stop"]) - int(week["start"]) == WEEK
    # an update may not stretch it either, from either end
    expect_error(put(acct, "remote_id:week", {"stop": T0 + WEEK + 60}), 422, "stop")
    expect_error(put(acct, "remote_id:week", {"start": T0 - 60}), 422, "stop")
    expect_error(put(acct, "remote_id:week", {"start": 0, "stop": T0}), 422, "stop")
    assert acct.get_appointment("remote_id:week") == week
    # nor a collection entry
    r = acct.api.post(f"/calendars/{acct.calendar_id}/appointments_collections",
                      {"appointments_collection": {"appointments": [
                          {"appointment": {"remote_id": "c1", "start": T0, "stop": T0 + 60}},
                          {"appointment": {"remote_id": "c2", "start": 0, "stop": T0}}]}})
    expect_error(r, 422, "appointments[1].stop")
    assert [a["remote_id"] for a in acct.list_appointments()] == ["week"]


@pytest.mark.parametrize("start", [-1, 253402300800, "-60"])
def test_start_outside_the_timestamp_range_422(acct, start):
    expect_error(post(acct, {"remote_id": "r", "start": start, "stop": T0}), 422, "start")
    assert acct.list_appointments() == []


@pytest.mark.parametrize("field, value", [("start", "tomorrow"), ("stop", "12:00"),
                                          ("start", "1.5"), ("patient_arrived_at", "noon")])
def test_malformed_timestamps_422(acct, field, value):
    fields = appointment_fields("ts")
    fields[field] = value
    expect_error(post(acct, fields), 422, field)


@pytest.mark.parametrize("status", ["booked", "cancelled", "noshow"])
def test_valid_statuses(acct, status):
    a = ok(post(acct, appointment_fields(status=status)), 201)
    assert a["status"] == status
    assert a["noshow"] is (status == "noshow")


@pytest.mark.parametrize("status", ["deleted", "BOOKED", "canceled", "", "done"])
def test_invalid_status_422(acct, status):
    expect_error(post(acct, appointment_fields(status=status)), 422, "status")


@pytest.mark.parametrize("color", ["#ABCDEF", "#abcdef", "#09aF3c"])
def test_valid_colors(acct, color):
    assert ok(post(acct, appointment_fields(color=color)), 201)["color"] == color


@pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "123456", "#GGGGGG", "#12 456"])
def test_invalid_colors_422(acct, color):
    expect_error(post(acct, appointment_fields(color=color)), 422, "color")


@pytest.mark.parametrize("notes", [False, None, ""])
def test_no_notes_rendered_false(acct, notes):
    assert ok(post(acct, appointment_fields(notes=notes)), 201)["notes"] is False


def test_notes_text(acct):
    a = ok(post(acct, appointment_fields("nt", notes="Patient is late")), 201)
    assert a["notes"] == "Patient is late"
    cleared = ok(put(acct, "remote_id:nt", {"notes": False}))
    assert cleared["notes"] is False
    assert ok(put(acct, "remote_id:nt", {"notes": "again"}))["notes"] == "again"
    assert ok(put(acct, "remote_id:nt", {"notes": None}))["notes"] is False


def test_patient_reference(acct):
    p = acct.create_patient(remote_id="104")
    a = ok(post(acct, appointment_fields(patient_remote_id="104")), 201)
    assert a["patient_id"] == str(p["id"])
    assert a["patient_remote_id"] == "104"


def test_patient_reference_by_numeric_remote_id(acct):
    p = acct.create_patient(remote_id="77")
    a = ok(post(acct, appointment_fields(patient_remote_id=77)), 201)
    assert a["patient_id"] == str(p["id"]) and a["patient_remote_id"] == "77"


def test_unknown_patient_422(acct):
    expect_error(post(acct, appointment_fields(patient_remote_id="ghost")), 422,
                 "patient_remote_id")
    assert acct.list_appointments() == []


def test_deleted_patient_422(acct):
    acct.create_patient(remote_id="dead")
    expect(acct.api.delete(f"{acct.patients}/remote_id:dead"), 204)
    expect_error(post(acct, appointment_fields(patient_remote_id="dead")), 422,
                 "patient_remote_id")


def test_patient_of_another_center_422(acct, other):
    other.create_patient(remote_id="theirs")
    expect_error(post(acct, appointment_fields(patient_remote_id="theirs")), 422,
                 "patient_remote_id")


def test_patient_of_same_center_usable_from_every_calendar(acct):
    p = acct.create_patient(remote_id="shared")
    cal2 = acct.add_calendar(slug=unique("cal"))
    a = ok(post(acct, appointment_fields(patient_remote_id="shared"), calendar_id=cal2), 201)
    assert a["patient_id"] == str(p["id"])


def test_service_reference_and_color_fallback(acct):
    acct.upsert_services({"remote_id": "long", "name": "Long", "duration": 60,
                          "color": "#FF0000"})
    inherits = ok(post(acct, appointment_fields(service_remote_id="long")), 201)
    assert inherits["service_remote_id"] == "long"
    assert inherits["color"] == "#FF0000"
    own = ok(post(acct, appointment_fields(service_remote_id="long", color="#00FF00")), 201)
    assert own["color"] == "#00FF00"
    plain = ok(post(acct, appointment_fields()), 201)
    assert plain["color"] == ""


def test_service_color_change_is_reflected(acct):
    [svc] = acct.upsert_services({"remote_id": "s", "name": "S", "duration": 15,
                                  "color": "#111111"})
    ok(post(acct, appointment_fields("a", service_remote_id="s")), 201)
    acct.upsert_services({"id": svc["id"], "color": "#222222"})
    assert acct.get_appointment("remote_id:a")["color"] == "#222222"


def test_unknown_service_422(acct):
    expect_error(post(acct, appointment_fields(service_remote_id="nope")), 422,
                 "service_remote_id")


def test_service_of_another_calendar_422(acct):
    cal2 = acct.add_calendar(slug=unique("cal"))
    acct.upsert_services({"remote_id": "elsewhere", "name": "E", "duration": 10},
                         calendar_id=cal2)
    expect_error(post(acct, appointment_fields(service_remote_id="elsewhere")), 422,
                 "service_remote_id")


def test_unknown_fields_ignored(acct):
    a = ok(post(acct, appointment_fields("u", room="3B", warning=True)), 201)
    assert "room" not in a
    assert a["warning"] is False
    assert a["remote_id"] == "u"


def test_duplicate_remote_id_409(acct):
    first = ok(post(acct, appointment_fields("dup")), 201)
    expect_error(post(acct, appointment_fields("dup", start=T0 + 7200)), 409)
    assert acct.list_appointments() == [first]


def test_same_remote_id_in_two_calendars(acct):
    cal2 = acct.add_calendar(slug=unique("cal"))
    a = ok(post(acct, appointment_fields("same")), 201)
    b = ok(post(acct, appointment_fields("same"), calendar_id=cal2), 201)
    assert a["id"] != b["id"]


def test_remote_id_reusable_after_delete(acct):
    old = ok(post(acct, appointment_fields("re")), 201)
    expect(acct.api.delete(f"{acct.appointments}/remote_id:re"), 204)
    new = ok(post(acct, appointment_fields("re", start=T0 + 3600)), 201)
    assert new["id"] != old["id"]
    assert acct.get_appointment("remote_id:re")["start"] == str(T0 + 3600)


# ---- noshow and status ---------------------------------------------------


def test_noshow_true_sets_status(acct):
    a = ok(post(acct, appointment_fields("ns", noshow=True)), 201)
    assert a["noshow"] is True and a["status"] == "noshow"


def test_status_noshow_sets_noshow(acct):
    ok(post(acct, appointment_fields("ns")), 201)
    a = ok(put(acct, "remote_id:ns", {"status": "noshow"}))
    assert a["noshow"] is True and a["status"] == "noshow"


def test_noshow_false_makes_booked(acct):
    ok(post(acct, appointment_fields("ns", status="noshow")), 201)
    a = ok(put(acct, "remote_id:ns", {"noshow": False}))
    assert a["noshow"] is False and a["status"] == "booked"


def test_put_noshow_true_on_booked(acct):
    ok(post(acct, appointment_fields("ns")), 201)
    a = ok(put(acct, "remote_id:ns", {"noshow": True}))
    assert a["status"] == "noshow" and a["noshow"] is True


def test_status_booked_with_noshow_true_422(acct):
    expect_error(post(acct, appointment_fields(status="booked", noshow=True)), 422)
    ok(post(acct, appointment_fields("x")), 201)
    expect_error(put(acct, "remote_id:x", {"status": "booked", "noshow": True}), 422)
    assert acct.get_appointment("remote_id:x")["status"] == "booked"


def test_noshow_as_string_booleans(acct):
    a = ok(post(acct, appointment_fields("s1", noshow="true")), 201)
    assert a["noshow"] is True
    b = ok(put(acct, "remote_id:s1", {"noshow": "false"}))
    assert b["noshow"] is False and b["status"] == "booked"


def test_invalid_noshow_422(acct):
    expect_error(post(acct, appointment_fields(noshow="maybe")), 422, "noshow")


def test_cancelled_cannot_become_booked(acct):
    ok(post(acct, appointment_fields("c", status="cancelled")), 201)
    expect_error(put(acct, "remote_id:c", {"status": "booked"}), 422, "status")
    # noshow false on a cancelled appointment is true already: nothing changes
    assert ok(put(acct, "remote_id:c", {"noshow": False}))["status"] == "cancelled"
    a = acct.get_appointment("remote_id:c")
    assert a["status"] == "cancelled" and a["noshow"] is False


def test_booked_then_cancelled_cannot_be_booked_again(acct):
    ok(post(acct, appointment_fields("c")), 201)
    assert ok(put(acct, "remote_id:c", {"status": "cancelled"}))["status"] == "cancelled"
    expect_error(put(acct, "remote_id:c", {"status": "booked", "title": "x"}), 422, "status")
    a = acct.get_appointment("remote_id:c")
    assert a["status"] == "cancelled" and a["title"] == ""


@pytest.mark.parametrize("ref", ["remote_id:c", "id"])
def test_cancelled_cannot_be_booked_again_through_noshow(acct, ref):
    made = ok(post(acct, appointment_fields("c")), 201)
    ref = made["id"] if ref == "id" else ref
    assert ok(put(acct, ref, {"status": "cancelled"}))["status"] == "cancelled"
    # noshow is a status too: a cancelled appointment stays cancelled, so the
    # noshow -> booked path (noshow false) can never be reached from it
    expect_error(put(acct, ref, {"noshow": True}), 422, "noshow")
    expect_error(put(acct, ref, {"status": "noshow"}), 422, "status")
    expect_error(put(acct, ref, {"status": "noshow", "noshow": True}), 422, "status")
    assert ok(put(acct, ref, {"noshow": False}))["status"] == "cancelled"
    a = acct.get_appointment("remote_id:c")
    assert a["status"] == "cancelled" and a["noshow"] is False


def test_cancelled_appointment_other_fields_editable(acct):
    ok(post(acct, appointment_fields("c", status="cancelled")), 201)
    a = ok(put(acct, "remote_id:c", {"title": "Cancelled by phone"}))
    assert a["status"] == "cancelled" and a["title"] == "Cancelled by phone"


# ---- warning --------------------------------------------------------------


def test_overlapping_booked_appointments_warn(acct):
    ok(post(acct, appointment_fields("a", start=T0, stop=T0 + 1800)), 201)
    b = ok(post(acct, appointment_fields("b", start=T0 + 900, stop=T0 + 2700)), 201)
    assert b["warning"] is True
    assert acct.get_appointment("remote_id:a")["warning"] is True


def test_touching_appointments_do_not_warn(acct):
    ok(post(acct, appointment_fields("a", start=T0, stop=T0 + 1800)), 201)
    b = ok(post(acct, appointment_fields("b", start=T0 + 1800, stop=T0 + 3600)), 201)
    c = ok(post(acct, appointment_fields("c", start=T0 - 600, stop=T0)), 201)
    assert b["warning"] is False and c["warning"] is False
    assert acct.get_appointment("remote_id:a")["warning"] is False


def test_contained_appointment_warns(acct):
    ok(post(acct, appointment_fields("outer", start=T0, stop=T0 + 7200)), 201)
    inner = ok(post(acct, appointment_fields("inner", start=T0 + 60, stop=T0 + 120)), 201)
    assert inner["warning"] is True


def test_cancelled_and_deleted_appointments_do_not_cause_warnings(acct):
    ok(post(acct, appointment_fields("cancelled", status="cancelled")), 201)
    ok(post(acct, appointment_fields("deleted")), 201)
    expect(acct.api.delete(f"{acct.appointments}/remote_id:deleted"), 204)
    booked = ok(post(acct, appointment_fields("booked")), 201)
    assert booked["warning"] is False


def test_warning_is_symmetric_among_booked_and_noshow(acct):
    # the suggestions treat booked and noshow appointments as taken: so does
    # the warning, on both sides of every overlap
    ok(post(acct, appointment_fields("booked", start=T0, stop=T0 + 1800)), 201)
    noshow = ok(post(acct, appointment_fields("noshow", start=T0 + 900, stop=T0 + 2700,
                                              noshow=True)), 201)
    assert noshow["warning"] is True
    assert acct.get_appointment("remote_id:booked")["warning"] is True
    ok(post(acct, appointment_fields("n1", start=T0 + 7200, stop=T0 + 7800, noshow=True)), 201)
    n2 = ok(post(acct, appointment_fields("n2", start=T0 + 7500, stop=T0 + 8000,
                                          status="noshow")), 201)
    assert n2["warning"] is True and acct.get_appointment("remote_id:n1")["warning"] is True
    warnings = {a["remote_id"]: a["warning"] for a in acct.list_appointments()}
    assert warnings == {"booked": True, "noshow": True, "n1": True, "n2": True}


def test_a_cancelled_appointment_never_shows_a_warning(acct):
    ok(post(acct, appointment_fields("booked", start=T0, stop=T0 + 1800)), 201)
    c = ok(post(acct, appointment_fields("c", start=T0, stop=T0 + 1800, status="cancelled")),
           201)
    assert c["warning"] is False
    assert acct.get_appointment("remote_id:c")["warning"] is False
    assert acct.get_appointment("remote_id:booked")["warning"] is False
    # cancelling a flagged appointment clears both sides, and the neighbour
    # is stamped for `since` pollers
    ok(post(acct, appointment_fields("n", start=T0 + 600, stop=T0 + 1200, noshow=True)), 201)
    assert acct.get_appointment("remote_id:booked")["warning"] is True
    t = int(time.time())
    while int(time.time()) == t:
        time.sleep(0.05)
    t = int(time.time())
    cancelled = ok(put(acct, "remote_id:n", {"status": "cancelled"}))
    assert cancelled["warning"] is False
    assert acct.get_appointment("remote_id:booked")["warning"] is False
    changed = {a["remote_id"] for a in acct.list_appointments(since=t + 30)}
    assert changed == {"n", "booked"}


def test_warning_follows_changes(acct):
    ok(post(acct, appointment_fields("a", start=T0, stop=T0 + 1800)), 201)
    ok(post(acct, appointment_fields("b", start=T0, stop=T0 + 1800)), 201)
    assert acct.get_appointment("remote_id:a")["warning"] is True
    moved = ok(put(acct, "remote_id:b", {"start": T0 + 1800, "stop": T0 + 3600}))
    assert moved["warning"] is False
    assert acct.get_appointment("remote_id:a")["warning"] is False
    ok(put(acct, "remote_id:b", {"start": T0 + 1000}))
    assert acct.get_appointment("remote_id:a")["warning"] is True
    ok(put(acct, "remote_id:b", {"status": "cancelled"}))
    assert acct.get_appointment("remote_id:a")["warning"] is False


def test_other_calendars_do_not_cause_warnings(acct):
    cal2 = acct.add_calendar(slug=unique("cal"))
    ok(post(acct, appointment_fields("x"), calendar_id=cal2), 201)
    assert ok(post(acct, appointment_fields("y")), 201)["warning"] is False


def test_warning_in_list(acct):
    ok(post(acct, appointment_fields("a", start=T0, stop=T0 + 1800)), 201)
    ok(post(acct, appointment_fields("b", start=T0 + 100, stop=T0 + 200)), 201)
    ok(post(acct, appointment_fields("c", start=T0 + 5000, stop=T0 + 6000)), 201)
    warnings = {a["remote_id"]: a["warning"] for a in acct.list_appointments()}
    assert warnings == {"a": True, "b": True, "c": False}


# ---- update ---------------------------------------------------------------


def test_put_by_remote_id_is_partial(acct):
    acct.create_patient(remote_id="104")
    a = ok(post(acct, appointment_fields("p", title="Before", notes="n",
                                         patient_remote_id="104", color="#123456")), 201)
    b = ok(put(acct, "remote_id:p", {"title": "After"}))
    assert b == {**a, "title": "After"}
    assert acct.get_appointment("remote_id:p") == b


def test_put_document_example_body(acct):
    acct.create_patient(remote_id="104")
    ok(post(acct, appointment_fields("8401")), 201)
    body = {"start": "1417682400", "stop": "1417683600", "notes": False, "color": "#101010",
            "title": "", "patient_remote_id": "104"}
    a = ok(put(acct, "remote_id:8401", body))
    assert (a["start"], a["stop"], a["notes"], a["color"], a["title"],
            a["patient_remote_id"]) == ("1417682400", "1417683600", False, "#101010", "",
                                        "104")


def test_put_with_form_body(acct):
    ok(post(acct, appointment_fields("f")), 201)
    r = acct.api.put(f"{acct.appointments}/remote_id:f",
                     data={"appointment[title]": "Form", "appointment[stop]": str(T0 + 3600)})
    a = ok(r)
    assert a["title"] == "Form" and a["stop"] == str(T0 + 3600)


def test_put_stop_before_existing_start_422(acct):
    before = ok(post(acct, appointment_fields("s", start=T0, stop=T0 + 600)), 201)
    expect_error(put(acct, "remote_id:s", {"stop": T0 - 600}), 422, "stop")
    expect_error(put(acct, "remote_id:s", {"start": T0 + 600}), 422, "stop")
    assert acct.get_appointment("remote_id:s") == before


def test_put_invalid_reference_422(acct):
    before = ok(post(acct, appointment_fields("r")), 201)
    expect_error(put(acct, "remote_id:r", {"patient_remote_id": "ghost", "title": "x"}), 422,
                 "patient_remote_id")
    expect_error(put(acct, "remote_id:r", {"service_remote_id": "ghost"}), 422,
                 "service_remote_id")
    expect_error(put(acct, "remote_id:r", {"color": "blue"}), 422, "color")
    expect_error(put(acct, "remote_id:r", {"status": "gone"}), 422, "status")
    assert acct.get_appointment("remote_id:r") == before


def test_empty_references_remove_the_links(acct):
    acct.create_patient(remote_id="p")
    acct.upsert_services({"remote_id": "s", "name": "S", "duration": 10, "color": "#123123"})
    ok(post(acct, appointment_fields("l", patient_remote_id="p", service_remote_id="s")), 201)
    a = ok(put(acct, "remote_id:l", {"patient_remote_id": "", "service_remote_id": ""}))
    assert a["patient_id"] is None and a["patient_remote_id"] is None
    assert a["service_remote_id"] is None and a["color"] == ""


def test_put_by_remote_id_can_rename(acct):
    a = ok(post(acct, appointment_fields("before")), 201)
    b = ok(put(acct, "remote_id:before", {"remote_id": "after"}))
    assert b == {**a, "remote_id": "after"}
    expect_error(acct.api.get(f"{acct.appointments}/remote_id:before"), 404)


def test_patient_arrived_at_set_and_cleared(acct):
    ok(post(acct, appointment_fields("arr")), 201)
    assert ok(put(acct, "remote_id:arr", {"patient_arrived_at": T0 + 10}))[
        "patient_arrived_at"] == str(T0 + 10)
    assert ok(put(acct, "remote_id:arr", {"patient_arrived_at": None}))[
        "patient_arrived_at"] is None


def test_put_by_platform_id_assigns_remote_id(acct):
    a = ok(post(acct, appointment_fields("old")), 201)
    b = ok(put(acct, a["id"], {"remote_id": "8401"}))
    assert b == {**a, "remote_id": "8401"}
    assert acct.get_appointment("remote_id:8401")["id"] == a["id"]
    expect_error(acct.api.get(f"{acct.appointments}/remote_id:old"), 404)


def test_assign_remote_id_in_use_409(acct):
    ok(post(acct, appointment_fields("taken")), 201)
    b = ok(post(acct, appointment_fields("mine", start=T0 + 7200)), 201)
    expect_error(put(acct, b["id"], {"remote_id": "taken"}), 409)
    assert acct.get_appointment(b["id"])["remote_id"] == "mine"


def test_unknown_appointment_404(acct):
    expect_error(acct.api.get(f"{acct.appointments}/remote_id:nope"), 404)
    expect_error(acct.api.get(f"{acct.appointments}/98765432"), 404)
    expect_error(put(acct, "remote_id:nope", {"title": "x"}), 404)
    expect_error(acct.api.delete(f"{acct.appointments}/remote_id:nope"), 404)


def test_percent_encoded_remote_id(acct):
    a = ok(post(acct, appointment_fields("a b/c")), 201)
    target = f"/api/v2{acct.appointments}/remote_id:a%20b%2Fc?{acct.api.creds_query()}"
    status, _, body = acct.api.raw("GET", target)
    assert status == 200 and unwrap_one(body, "appointment") == a
    status, _, body = acct.api.raw("DELETE", target)
    assert status == 204 and body is None


# ---- delete ---------------------------------------------------------------


def test_delete(acct):
    keep = ok(post(acct, appointment_fields("keep")), 201)
    a = ok(post(acct, appointment_fields("del", start=T0 + 7200)), 201)
    expect(acct.api.delete(f"{acct.appointments}/remote_id:del"), 204)
    expect_error(acct.api.get(f"{acct.appointments}/remote_id:del"), 404)
    expect_error(acct.api.get(f"{acct.appointments}/{a['id']}"), 404)
    expect_error(acct.api.delete(f"{acct.appointments}/remote_id:del"), 404)
    assert acct.list_appointments() == [keep]


def test_delete_by_platform_id(acct):
    a = ok(post(acct, appointment_fields()), 201)
    expect(acct.api.delete(f"{acct.appointments}/{a['id']}"), 204)
    expect_error(acct.api.delete(f"{acct.appointments}/{a['id']}"), 404)


# ---- list -----------------------------------------------------------------


def test_list_sorted_by_start_then_id(acct):
    made = [ok(post(acct, appointment_fields(f"r{i}", start=s, stop=s + 60)), 201)
            for i, s in enumerate([T0 + 300, T0, T0 + 300, T0 - 300, T0])]
    r = acct.api.get(acct.appointments)
    listed = unwrap_list(expect(r, 200), "appointments", "appointment")
    expected = sorted(made, key=lambda a: (int(a["start"]), int(a["id"])))
    assert [a["id"] for a in listed] == [a["id"] for a in expected]
    assert r.headers["X-Total-Count"] == "5"


def test_list_window_overlap(acct):
    spans = {"before": (T0 - 600, T0), "touch_start": (T0 - 300, T0),
             "straddle_start": (T0 - 300, T0 + 300), "inside": (T0 + 600, T0 + 1200),
             "straddle_stop": (T0 + 3000, T0 + 4000), "touch_stop": (T0 + 3600, T0 + 4000),
             "after": (T0 + 5000, T0 + 6000), "covering": (T0 - 1000, T0 + 9000)}
    for rid, (s, e) in spans.items():
        ok(post(acct, appointment_fields(rid, start=s, stop=e)), 201)
    r = acct.api.get(acct.appointments, params={"start": T0, "stop": T0 + 3600})
    listed = {a["remote_id"] for a in unwrap_list(expect(r, 200), "appointments",
                                                  "appointment")}
    assert listed == {"straddle_start", "inside", "straddle_stop", "covering"}
    assert r.headers["X-Total-Count"] == "4"


def test_list_includes_cancelled_and_noshow(acct):
    ok(post(acct, appointment_fields("c", status="cancelled")), 201)
    ok(post(acct, appointment_fields("n", status="noshow")), 201)
    statuses = {a["remote_id"]: a["status"] for a in acct.list_appointments()}
    assert statuses == {"c": "cancelled", "n": "noshow"}


def test_since_includes_tombstones(acct):
    t = int(time.time())
    live = ok(post(acct, appointment_fields("live")), 201)
    dead = ok(post(acct, appointment_fields("dead")), 201)
    expect(acct.api.delete(f"{acct.appointments}/remote_id:dead"), 204)
    listed = {a["id"]: a for a in acct.list_appointments(since=t)}
    assert set(listed) == {live["id"], dead["id"]}
    assert listed[live["id"]]["status"] == "booked"
    assert listed[dead["id"]]["status"] == "deleted"
    assert [a["id"] for a in acct.list_appointments()] == [live["id"]]


def test_since_in_the_future_is_empty(acct):
    ok(post(acct, appointment_fields()), 201)
    # since reaches back 30 seconds (README), so go beyond that margin
    r = acct.api.get(acct.appointments, params={"since": int(time.time()) + 31})
    assert expect(r, 200) == {"appointments": []}


def test_since_sees_updates(acct):
    a = ok(post(acct, appointment_fields("u")), 201)
    t = int(time.time())
    ok(put(acct, "remote_id:u", {"status": "cancelled"}))
    listed = acct.list_appointments(since=t)
    assert [(x["id"], x["status"]) for x in listed] == [(a["id"], "cancelled")]


@pytest.mark.parametrize("param", [{"page": "0"}, {"page": "-1"}, {"page": "x"},
                                   {"since": "x"}, {"start": "x"}, {"stop": "noon"}])
def test_invalid_list_parameters_400(acct, param):
    expect_error(acct.api.get(acct.appointments, params=param), 400)


def test_paging(acct):
    entries = [{"appointment": {"remote_id": f"pg{i}", "start": T0 + 60 * i,
                                "stop": T0 + 60 * i + 60}} for i in range(1200)]
    r = acct.api.post(f"/calendars/{acct.calendar_id}/appointments_collections",
                      {"appointments_collection": {"appointments": entries}})
    assert len(unwrap_list(expect(r, 200), "appointments", "appointment")) == 1200

    r_all = acct.api.get(acct.appointments)  # without page: the whole list
    everything = unwrap_list(expect(r_all, 200), "appointments", "appointment")
    assert len(everything) == 1200 and r_all.headers["X-Total-Count"] == "1200"
    assert [a["remote_id"] for a in everything] == [f"pg{i}" for i in range(1200)]

    r1 = acct.api.get(acct.appointments, params={"page": 1})
    r2 = acct.api.get(acct.appointments, params={"page": 2})
    r3 = acct.api.get(acct.appointments, params={"page": 3})
    p1 = unwrap_list(expect(r1, 200), "appointments", "appointment")
    p2 = unwrap_list(expect(r2, 200), "appointments", "appointment")
    assert expect(r3, 200) == {"appointments": []}
    assert (len(p1), len(p2)) == (1000, 200)
    assert p1 + p2 == everything
    for r in (r1, r2, r3):
        assert r.headers["X-Total-Count"] == "1200"

    r = acct.api.get(acct.appointments, params={"page": 1, "start": T0 + 60 * 1100,
                                                "stop": T0 + 60 * 1150})
    assert len(unwrap_list(expect(r, 200), "appointments", "appointment")) == 50
    assert r.headers["X-Total-Count"] == "50"


def test_appointment_field_types(acct):
    p = acct.create_patient(remote_id="p")
    acct.upsert_services({"remote_id": "s", "name": "S", "duration": 5})
    ok(post(acct, appointment_fields("t", patient_remote_id="p", service_remote_id="s",
                                     patient_arrived_at=T0, notes="x")), 201)
    [a] = acct.list_appointments()
    for k in ("id", "remote_id", "start", "stop", "patient_id", "patient_remote_id",
              "service_remote_id", "patient_arrived_at", "notes", "color", "title", "status"):
        assert isinstance(a[k], str), k
    assert a["patient_id"] == str(p["id"])
    assert isinstance(a["warning"], bool) and isinstance(a["noshow"], bool)
