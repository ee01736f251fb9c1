"""GET /centers and GET /calendars: envelopes, fields, and only what the user may use."""

from helpers import Api, expect, unique, unwrap_list


def test_centers_list_shape(acct, cli):
    slug = unique("shape")
    center_id = cli.center_add(name="Centre de Joris Van Hecke", slug=slug)
    cli.grant(acct.email, center_id)
    centers = unwrap_list(expect(acct.api.get("/centers"), 200), "centers", "center")
    by_id = {c["id"]: c for c in centers}
    assert set(by_id) == {acct.center_id, center_id}
    c = by_id[center_id]
    assert c["id"] == center_id and type(c["id"]) is int
    assert c["slug"] == slug
    assert c["name"] == "Centre de Joris Van Hecke"


def test_calendars_list_shape(acct, cli):
    slug = unique("cal")
    cal_id = cli.calendar_add(acct.center_id, first="Marie", last="Curie Sklodowska", slug=slug,
                              specialities=["surgeon_abdominal", "radiology"])
    calendars = unwrap_list(expect(acct.api.get("/calendars"), 200), "calendars", "calendar")
    by_id = {c["id"]: c for c in calendars}
    assert set(by_id) == {acct.calendar_id, cal_id}
    k = by_id[cal_id]
    assert type(k["id"]) is int
    assert k["center_id"] == acct.center_id and type(k["center_id"]) is int
    assert k["first_name"] == "Marie"
    assert k["last_name"] == "Curie Sklodowska"
    assert k["full_name"] == "Marie Curie Sklodowska"
    assert k["slug"] == slug
    specs = k["specialities"]
    assert isinstance(specs, list) and len(specs) == 2
    for s in specs:
        assert set(s) == {"speciality"}
        assert type(s["speciality"]["id"]) is int
    assert sorted(s["speciality"]["name"] for s in specs) == ["radiology", "surgeon_abdominal"]


def test_calendar_without_speciality_has_empty_list(acct):
    calendars = unwrap_list(expect(acct.api.get("/calendars"), 200), "calendars", "calendar")
    [k] = calendars
    assert k["id"] == acct.calendar_id
    assert k["specialities"] == []
    assert k["full_name"] == "Joris Van Hecke"


def test_calendars_follow_center_grants(acct, other, cli):
    second_cal = other.add_calendar(slug=unique("cal"))
    cli.grant(acct.email, other.center_id)
    calendars = unwrap_list(expect(acct.api.get("/calendars"), 200), "calendars", "calendar")
    assert {k["id"] for k in calendars} == {acct.calendar_id, other.calendar_id, second_cal}
    assert {k["center_id"] for k in calendars} == {acct.center_id, other.center_id}


def test_user_without_grants_sees_empty_lists(server, cli):
    email = unique("lonely") + "@example.com"
    token = cli.user_add(email)
    api = Api(server.base, email, token)
    assert expect(api.get("/centers"), 200) == {"centers": []}
    assert expect(api.get("/calendars"), 200) == {"calendars": []}


def test_specialities_shared_name_in_two_calendars(acct):
    a = acct.add_calendar(slug=unique("cal"), specialities=["dentist"])
    b = acct.add_calendar(slug=unique("cal"), specialities=["dentist", "orthodontist"])
    calendars = {k["id"]: k for k in unwrap_list(expect(acct.api.get("/calendars"), 200),
                                                   "calendars", "calendar")}
    names_a = [s["speciality"]["name"] for s in calendars[a]["specialities"]]
    names_b = sorted(s["speciality"]["name"] for s in calendars[b]["specialities"])
    assert names_a == ["dentist"]
    assert names_b == ["dentist", "orthodontist"]
