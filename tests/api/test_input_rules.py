"""How request bodies are read: exact integers, blanks, one rule for JSON and
forms (repeated keys, empty values), envelopes that are not objects, and
collections that report every bad entry."""

import pytest

from helpers import (T0, appointment_fields, expect, expect_error, patient_fields, unique,
                     unwrap_list, unwrap_one)

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def post_raw(acct, path, text, headers=JSON):
    return acct.api.request("POST", path, data=text.encode(), headers=headers)


def put_raw(acct, path, text, headers=JSON):
    return acct.api.request("PUT", path, data=text.encode(), headers=headers)


def patients_coll(acct):
    return f"/centers/{acct.center_id}/patients_collections"


def raw_patient(remote_literal):
    return ('{"patient": {"remote_id": %s, "first_name": "A", "last_name": "B", '
            '"email": "", "phone_number": ""}}' % remote_literal)


# ---- 1. integers are exact -------------------------------------------------


@pytest.mark.parametrize("literal", ["9007199254740993", "1234567890123456789", "-5",
                                     "123456789012345678901234567890"])
def test_numeric_remote_id_keeps_its_digits(acct, literal):
    p = unwrap_one(expect(post_raw(acct, acct.patients, raw_patient(literal)), 201), "patient")
    assert p["remote_id"] == literal
    assert acct.get_patient(f"remote_id:{literal}")["id"] == p["id"]


def test_numeric_remote_ids_past_2_53_are_distinct(acct):
    a = unwrap_one(expect(post_raw(acct, acct.patients, raw_patient("9007199254740993")), 201),
                   "patient")
    b = unwrap_one(expect(post_raw(acct, acct.patients, raw_patient("9007199254740992")), 201),
                   "patient")
    assert (a["remote_id"], b["remote_id"]) == ("9007199254740993", "9007199254740992")


def test_numeric_remote_ids_in_a_collection_keep_their_digits(acct):
    text = ('{"patients_collection": {"patients": [{"patient": {"remote_id": 18014398509481985,'
            ' "first_name": "", "last_name": "", "email": "", "phone_number": ""}}]}}')
    out = unwrap_list(expect(post_raw(acct, patients_coll(acct), text), 200), "patients",
                      "patient")
    assert out[0]["remote_id"] == "18014398509481985"


@pytest.mark.parametrize("literal", ["1.5", "1e3", "1.0", "-2E+2"])
def test_non_integer_remote_id_is_refused(acct, literal):
    expect_error(post_raw(acct, acct.patients, raw_patient(literal)), 422, "remote_id")


@pytest.mark.parametrize("literal", ["1e3", "60.0", "18014398509481985", "9223372036854775808"])
def test_integer_fields_refuse_what_they_cannot_hold(acct, literal):
    text = ('{"services_collection": {"services": [{"service": {"name": "S", '
            '"duration": %s}}]}}' % literal)
    expect_error(post_raw(acct, f"/calendars/{acct.calendar_id}/services_collections", text),
                 422, "services[0].duration")


def test_timestamp_past_2_53_is_not_rounded_into_range(acct):
    # 2^53 + 1 seconds is far past year 9999: refused, never rounded
    text = ('{"appointment": {"remote_id": "r", "start": %d, "stop": 9007199254740993}}' % T0)
    expect_error(post_raw(acct, acct.appointments, text), 422, "stop")


# ---- 2. blanks -------------------------------------------------------------


@pytest.mark.parametrize("blank", ["   ", "\t", " \r\n ", "\u00a0", "\u3000"])
def test_blank_remote_ids_and_names_are_refused(acct, blank):
    expect_error(acct.api.post(acct.patients, {"patient": patient_fields(remote_id=blank)}),
                 422, "remote_id")
    expect_error(acct.api.post(acct.appointments,
                               {"appointment": appointment_fields(remote_id=blank)}),
                 422, "remote_id")
    services = f"/calendars/{acct.calendar_id}/services_collections"
    expect_error(acct.api.post(services, {"services_collection": {"services": [
        {"service": {"name": blank, "duration": 15}}]}}), 422, "services[0].name")
    expect_error(acct.api.post(services, {"services_collection": {"services": [
        {"service": {"remote_id": blank, "name": "S", "duration": 15}}]}}), 422,
        "services[0].remote_id")
    assert acct.list_patients() == [] and acct.list_services() == []


def test_blank_rename_is_refused(acct):
    p = acct.create_patient(remote_id="keep")
    expect_error(acct.api.put(f"{acct.patients}/{p['id']}", {"patient": {"remote_id": "  "}}),
                 422, "remote_id")
    assert acct.get_patient(p["id"])["remote_id"] == "keep"


# ---- 3. one rule for JSON and forms ------------------------------------------


def test_repeated_json_key_keeps_the_last_value(acct):
    text = ('{"patient": {"remote_id": "first", "first_name": "A", "last_name": "B", '
            '"email": "", "phone_number": "", "remote_id": "last"}}')
    p = unwrap_one(expect(post_raw(acct, acct.patients, text), 201), "patient")
    assert p["remote_id"] == "last"
    form = ("patient[remote_id]=first&patient[first_name]=A&patient[last_name]=B"
            "&patient[email]=&patient[phone_number]=&patient[remote_id]=last2")
    q = unwrap_one(expect(post_raw(acct, acct.patients, form, FORM), 201), "patient")
    assert q["remote_id"] == "last2"


def test_empty_form_noshow_is_null(acct):
    a = acct.create_appointment(remote_id="ns")
    put = f"{acct.appointments}/{a['id']}"
    got = unwrap_one(expect(put_raw(acct, put, "appointment[noshow]=&appointment[title]=t",
                                    FORM), 200), "appointment")
    assert got["status"] == "booked" and got["title"] == "t"
    got = unwrap_one(expect(put_raw(acct, put, "appointment[noshow]=1", FORM), 200),
                     "appointment")
    assert got["status"] == "noshow"
    got = unwrap_one(expect(put_raw(acct, put, "appointment[noshow]=", FORM), 200),
                     "appointment")
    assert got["status"] == "noshow"  # null: unchanged


def test_form_clears_notes_and_address(acct):
    p = acct.create_patient(remote_id="clr", notes="n", address="a")
    assert (p["notes"], p["address"]) == ("n", "a")
    got = unwrap_one(expect(put_raw(acct, f"{acct.patients}/{p['id']}",
                                    "patient[notes]=&patient[address]=", FORM), 200), "patient")
    json_cleared = unwrap_one(expect(acct.api.put(f"{acct.patients}/{p['id']}", {"patient": {
        "notes": None, "address": None}}), 200), "patient")
    assert (got["notes"], got["address"]) == (json_cleared["notes"], json_cleared["address"])
    assert got["notes"] in (None, "") and got["address"] in (None, "")


def test_form_sets_and_closes_opening_hours(acct):
    path = f"/calendars/{acct.calendar_id}/opening_hours"
    form = ("opening_hours[opening_hour][day]=monday&opening_hours[opening_hour][start]=08:30"
            "&opening_hours[opening_hour][stop]=12:00"
            "&opening_hours[opening_hour][day]=friday&opening_hours[opening_hour][start]=09:00"
            "&opening_hours[opening_hour][stop]=10:00&slot_step=10")
    body = expect(put_raw(acct, path, form, FORM), 200)
    assert body == {"slot_step": 10, "opening_hours": [
        {"opening_hour": {"day": "monday", "start": "08:30", "stop": "12:00"}},
        {"opening_hour": {"day": "friday", "start": "09:00", "stop": "10:00"}}]}
    body = expect(put_raw(acct, path, "opening_hours=", FORM), 200)
    assert body == {"opening_hours": [], "slot_step": 10}
    assert expect(acct.api.get(path), 200) == {"opening_hours": [], "slot_step": 10}


# ---- 4. an envelope that is not an object -------------------------------------


@pytest.mark.parametrize("value", ["abc", None, 5, [], True])
def test_envelope_key_that_is_not_an_object_is_refused(acct, value):
    p = acct.create_patient(remote_id=unique("env"))
    expect_error(acct.api.put(f"{acct.patients}/{p['id']}", {"patient": value}), 422, "patient")
    expect_error(acct.api.post(acct.patients, {"patient": value}), 422, "patient")
    a = acct.create_appointment(remote_id=unique("env"))
    expect_error(acct.api.put(f"{acct.appointments}/{a['id']}", {"appointment": value}), 422,
                 "appointment")
    expect_error(acct.api.post(patients_coll(acct), {"patients_collection": {"patients": [
        {"patient": value}]}}), 422, "patients[0].patient")
    assert [x["id"] for x in acct.list_patients()] == [p["id"]]


# ---- 5. every bad entry of a collection ------------------------------------------


def test_collection_reports_every_bad_entry(acct):
    entries = [{"patient": patient_fields(remote_id="ok1")},
               {"patient": patient_fields(birthdate="1990-02-30")},
               {"patient": patient_fields(remote_id="ok2")},
               {"patient": patient_fields(remote_id="  ", language_code="xyz")},
               "not an object"]
    body = expect_error(acct.api.post(patients_coll(acct), {"patients_collection": {
        "patients": entries}}), 422, "patients[1].birthdate", "patients[3].remote_id",
        "patients[3].language_code", "patients[4]")
    assert len(body["errors"]) == 4
    assert acct.list_patients() == []


def test_collection_errors_stop_at_the_limit(acct):
    entries = [{"patient": patient_fields(birthdate="bad")} for _ in range(150)]
    body = expect_error(acct.api.post(patients_coll(acct), {"patients_collection": {
        "patients": entries}}), 422, "patients[0].birthdate", "patients[99].birthdate")
    assert len(body["errors"]) == 100
    assert "patients[100].birthdate" not in body["errors"]
    assert "150" in body["error"] and "100" in body["error"], body["error"]
    assert acct.list_patients() == []
