"""Services: list and services_collections upsert."""

import pytest

from helpers import expect, expect_error, unique, unwrap_list

SERVICE_KEYS = {"id", "remote_id", "duration", "name", "color"}


def collection_path(acct, calendar_id=None):
    return f"/calendars/{calendar_id or acct.calendar_id}/services_collections"


def post_services(acct, entries, wrap=True):
    services = [{"service": e} for e in entries] if wrap else entries
    return acct.api.post(collection_path(acct), {"services_collection": {"services": services}})


def test_document_example(acct):
    entries = [{"remote_id": "abc", "duration": 60, "name": "Long appointment",
                "color": "#FF0000"},
               {"remote_id": "xyz", "duration": 30, "name": "Short appointment",
                "color": "#00FF00"}]
    out = unwrap_list(expect(post_services(acct, entries), 200), "services", "service")
    assert len(out) == 2
    for got, sent in zip(out, entries):
        assert set(got) >= SERVICE_KEYS
        assert type(got["id"]) is int
        assert {k: got[k] for k in sent} == sent
    assert acct.list_services() == out


def test_list_sorted_by_id(acct):
    first = acct.upsert_services({"remote_id": "b", "name": "B", "duration": 10})
    second = acct.upsert_services({"remote_id": "a", "name": "A", "duration": 20})
    listed = acct.list_services()
    assert listed == first + second
    assert [s["id"] for s in listed] == sorted(s["id"] for s in listed)


def test_empty_list(acct):
    assert expect(acct.api.get(f"/calendars/{acct.calendar_id}/services"), 200) == {
        "services": []}


def test_services_belong_to_their_calendar(acct):
    cal2 = acct.add_calendar(slug=unique("cal"))
    mine = acct.upsert_services({"remote_id": "m", "name": "Mine", "duration": 10})
    theirs = acct.upsert_services({"remote_id": "m", "name": "Theirs", "duration": 15},
                                  calendar_id=cal2)
    assert mine[0]["id"] != theirs[0]["id"]
    assert acct.list_services() == mine
    assert acct.list_services(calendar_id=cal2) == theirs


def test_numbers_as_strings_and_remote_id_as_number(acct):
    [s] = acct.upsert_services({"remote_id": 42, "name": "N", "duration": "45"})
    assert s["remote_id"] == "42"
    assert s["duration"] == 45 and type(s["duration"]) is int


def test_bare_entries(acct):
    out = unwrap_list(expect(post_services(acct, [{"remote_id": "bare", "name": "Bare",
                                                   "duration": 5}], wrap=False), 200),
                      "services", "service")
    assert [s["remote_id"] for s in out] == ["bare"]


def test_form_body_rails_style(acct):
    form = [("services_collection[services][][service][remote_id]", "f1"),
            ("services_collection[services][][service][name]", "Form one"),
            ("services_collection[services][][service][duration]", "15"),
            ("services_collection[services][][service][remote_id]", "f2"),
            ("services_collection[services][][service][name]", "Form two"),
            ("services_collection[services][][service][duration]", "30"),
            ("services_collection[services][][service][color]", "#ABCDEF")]
    out = unwrap_list(expect(acct.api.post(collection_path(acct), data=form), 200),
                      "services", "service")
    assert [(s["remote_id"], s["name"], s["duration"]) for s in out] == [
        ("f1", "Form one", 15), ("f2", "Form two", 30)]
    assert out[1]["color"] == "#ABCDEF"


def test_form_body_literal_document_keys(acct):
    form = [("services_collection[services][service][remote_id]", "l1"),
            ("services_collection[services][service][name]", "Lit one"),
            ("services_collection[services][service][duration]", "10"),
            ("services_collection[services][service][remote_id]", "l2"),
            ("services_collection[services][service][name]", "Lit two"),
            ("services_collection[services][service][duration]", "20")]
    out = unwrap_list(expect(acct.api.post(collection_path(acct), data=form), 200),
                      "services", "service")
    assert [(s["remote_id"], s["name"], s["duration"]) for s in out] == [
        ("l1", "Lit one", 10), ("l2", "Lit two", 20)]


def test_update_by_id_is_partial(acct):
    [s] = acct.upsert_services({"remote_id": "u", "name": "Old", "duration": 30,
                                "color": "#111111"})
    [u] = acct.upsert_services({"id": s["id"], "name": "New"})
    assert u == {**s, "name": "New"}
    assert acct.list_services() == [u]


def test_update_by_string_id(acct):
    [s] = acct.upsert_services({"remote_id": "u", "name": "Old", "duration": 30})
    [u] = acct.upsert_services({"id": str(s["id"]), "duration": 45})
    assert u["id"] == s["id"] and u["duration"] == 45 and u["name"] == "Old"


def test_update_by_remote_id_is_partial(acct):
    [s] = acct.upsert_services({"remote_id": "abc", "name": "Old", "duration": 30})
    [u] = acct.upsert_services({"remote_id": "abc", "duration": 60})
    assert u == {**s, "duration": 60}
    assert acct.list_services() == [u]


def test_id_assigns_remote_id(acct):
    [s] = acct.upsert_services({"name": "No remote", "duration": 30})
    [u] = acct.upsert_services({"id": s["id"], "remote_id": "given"})
    assert u["id"] == s["id"] and u["remote_id"] == "given"


def test_unknown_id_422(acct):
    expect_error(post_services(acct, [{"id": 987654321, "name": "X", "duration": 5}]), 422,
                 "services[0].id")
    assert acct.list_services() == []


def test_id_of_another_calendar_422(acct):
    cal2 = acct.add_calendar(slug=unique("cal"))
    [s] = acct.upsert_services({"name": "Elsewhere", "duration": 5}, calendar_id=cal2)
    expect_error(post_services(acct, [{"name": "ok", "duration": 5},
                                      {"id": s["id"], "name": "Stolen"}]), 422,
                 "services[1].id")
    assert acct.list_services() == []
    assert acct.list_services(calendar_id=cal2) == [s]


@pytest.mark.parametrize("missing", ["name", "duration"])
def test_create_requires_name_and_duration(acct, missing):
    entry = {"remote_id": "n", "name": "N", "duration": 10}
    del entry[missing]
    expect_error(post_services(acct, [entry]), 422, f"services[0].{missing}")
    assert acct.list_services() == []


@pytest.mark.parametrize("duration", [0, -5, "abc", 1.5, "1.5", "", None, True, 10081])
def test_duration_positive_integer(acct, duration):
    expect_error(post_services(acct, [{"remote_id": "d", "name": "D", "duration": duration}]),
                 422, "services[0].duration")
    assert acct.list_services() == []


def test_longest_duration_is_a_week(acct):
    [s] = acct.upsert_services({"remote_id": "week", "name": "W", "duration": 10080})
    assert s["duration"] == 10080


@pytest.mark.parametrize("name", ["", None])
def test_blank_name_422(acct, name):
    expect_error(post_services(acct, [{"name": name, "duration": 10}]), 422, "services[0].name")


def test_update_with_bad_duration_422(acct):
    [s] = acct.upsert_services({"remote_id": "d", "name": "D", "duration": 10})
    expect_error(post_services(acct, [{"id": s["id"], "duration": 0}]), 422,
                 "services[0].duration")
    assert acct.list_services() == [s]


@pytest.mark.parametrize("color", ["red", "#FFF", "FF0000", "#FF00001", "#GG0000"])
def test_invalid_color_422(acct, color):
    expect_error(post_services(acct, [{"name": "C", "duration": 10, "color": color}]), 422,
                 "services[0].color")


def test_all_or_nothing(acct):
    [s] = acct.upsert_services({"remote_id": "keep", "name": "Keep", "duration": 10})
    entries = [{"remote_id": "new", "name": "New", "duration": 10},
               {"remote_id": "keep", "name": "Changed"},
               {"remote_id": "bad", "name": "Bad"}]
    expect_error(post_services(acct, entries), 422, "services[2].duration")
    assert acct.list_services() == [s]


def test_errors_name_only_bad_entries(acct):
    entries = [{"name": "ok", "duration": 5}, {"name": "no duration"}, {"duration": 5},
               {"name": "fine", "duration": 7}]
    body = expect_error(post_services(acct, entries), 422)
    assert body["errors"], body
    assert set(body["errors"]) <= {"services[1].duration", "services[2].name"}, body
    assert acct.list_services() == []


def test_remote_id_conflict_409(acct):
    a, b = acct.upsert_services({"remote_id": "a", "name": "A", "duration": 10},
                                {"remote_id": "b", "name": "B", "duration": 10})
    expect_error(post_services(acct, [{"remote_id": "c", "name": "C", "duration": 5},
                                      {"id": b["id"], "remote_id": "a"}]), 409)
    assert acct.list_services() == [a, b]


def test_output_in_input_order(acct):
    a, b = acct.upsert_services({"remote_id": "a", "name": "A", "duration": 10},
                                {"remote_id": "b", "name": "B", "duration": 10})
    out = acct.upsert_services({"remote_id": "c", "name": "C", "duration": 5},
                               {"id": b["id"], "name": "B2"},
                               {"remote_id": "a", "name": "A2"})
    assert [s["name"] for s in out] == ["C", "B2", "A2"]
    assert [s["id"] for s in out[1:]] == [b["id"], a["id"]]


def test_same_new_remote_id_twice(acct):
    out = acct.upsert_services({"remote_id": "t", "name": "First", "duration": 10},
                               {"remote_id": "t", "name": "Second"})
    assert out[0]["id"] == out[1]["id"]
    assert out[1]["name"] == "Second" and out[1]["duration"] == 10
    assert acct.list_services() == [out[1]]


def test_empty_collection(acct):
    assert expect(post_services(acct, []), 200) == {"services": []}
