"""The booking page's settings (issue 14), end to end: `agenda booking
enable/disable/show` and GET/PUT /centers/{id}/booking read and write the
same settings; a center that never set any has its page off with the
defaults; lists replace whole, none named means everything; every bad value
is refused (one line on stderr, or a 422 naming its field) with nothing
changed; another center's calendars and services are refused as unknown
ones are."""

from helpers import assert_cli_failed, expect, expect_error, unwrap_one

DEFAULTS = {"enabled": False, "calendars": [], "services": [], "horizon_days": 60,
            "min_notice": 120, "max_future_bookings": 3, "hold_seconds": 300}


def settings(acct):
    return unwrap_one(expect(acct.api.get(f"/centers/{acct.center_id}/booking"), 200),
                      "booking_settings")


def put(acct, **fields):
    return acct.api.put(f"/centers/{acct.center_id}/booking", {"booking_settings": fields})


def show(cli, center_id):
    return dict(line.split(" ", 1) for line in cli.ok("booking", "show", "--center",
                                                      str(center_id)).splitlines())


def test_defaults_then_cli_and_api_agree(acct, cli):
    assert settings(acct) == DEFAULTS
    assert show(cli, acct.center_id) == {"enabled": "off", "calendars": "all", "services": "all",
                                         "horizon": "60", "notice": "120", "max-bookings": "3",
                                         "hold": "300"}
    second = acct.add_calendar()
    svc = acct.upsert_services({"remote_id": "s", "name": "Consult", "duration": 20},
                               calendar_id=second)[0]
    assert cli.ok("booking", "enable", "--center", str(acct.center_id), "--calendar",
                  str(second), "--calendar", str(second), "--service", str(svc["id"]),
                  "--hold", "600", "--notice", "0") == ""
    assert settings(acct) == dict(DEFAULTS, enabled=True, calendars=[second],
                                  services=[svc["id"]], hold_seconds=600, min_notice=0)
    # enable without lists: everything again; windows not named are kept
    cli.ok("booking", "enable", "--center", str(acct.center_id), "--horizon", "14")
    assert settings(acct) == dict(DEFAULTS, enabled=True, hold_seconds=600, min_notice=0,
                                  horizon_days=14)
    cli.ok("booking", "disable", "--center", str(acct.center_id))
    assert settings(acct) == dict(DEFAULTS, hold_seconds=600, min_notice=0, horizon_days=14)
    assert show(cli, acct.center_id)["enabled"] == "off"

    # the API: partial PUTs, lists replaced, null lists are everything
    body = unwrap_one(expect(put(acct, enabled=True, calendars=[acct.calendar_id, second],
                                 max_future_bookings=1), 200), "booking_settings")
    assert body == settings(acct)
    assert body["calendars"] == sorted([acct.calendar_id, second]) and body["max_future_bookings"] == 1
    assert show(cli, acct.center_id)["calendars"] == " ".join(map(str, sorted([acct.calendar_id,
                                                                               second])))
    expect(put(acct, calendars=None), 200)
    assert settings(acct)["calendars"] == [] and settings(acct)["enabled"] is True


def test_bad_values_change_nothing(acct, other, cli):
    before = settings(acct)
    foreign_service = other.upsert_services({"remote_id": "f", "name": "F", "duration": 10})[0]
    for fields, name in (({"hold_seconds": 5}, "hold_seconds"),
                         ({"hold_seconds": 3601}, "hold_seconds"),
                         ({"horizon_days": 0}, "horizon_days"),
                         ({"min_notice": -1}, "min_notice"),
                         ({"max_future_bookings": "x"}, "max_future_bookings"),
                         ({"enabled": 1}, "enabled"),
                         ({"calendars": "all"}, "calendars"),
                         ({"calendars": [0]}, "calendars"),
                         ({"calendars": [other.calendar_id]}, "calendars"),
                         ({"services": [foreign_service["id"]]}, "services"),
                         ({"services": [987654321]}, "services"),
                         ({"enabled": True, "calendars": list(range(1, 102))}, "calendars")):
        expect_error(put(acct, **fields), 422, name)
        assert settings(acct) == before, fields
    # another center's calendar is refused exactly as a missing one
    a = put(acct, calendars=[other.calendar_id]).json()["errors"]["calendars"]
    b = put(acct, calendars=[987654321]).json()["errors"]["calendars"]
    assert a.replace(str(other.calendar_id), "N") == b.replace("987654321", "N")

    center = str(acct.center_id)
    for args in (("booking", "enable"),
                 ("booking", "enable", "--center", "x"),
                 ("booking", "enable", "--center", center, "--hold", "10"),
                 ("booking", "enable", "--center", center, "--notice", "-1"),
                 ("booking", "enable", "--center", center, "--calendar", str(other.calendar_id)),
                 ("booking", "enable", "--center", center, "--service",
                  str(foreign_service["id"])),
                 ("booking", "disable", "--center", center, "--hold", "600"),
                 ("booking", "enable", "--center", "987654321"),
                 ("booking", "toggle", "--center", center)):
        assert_cli_failed(cli.run(*args))
        assert settings(acct) == before, args


def test_a_service_outside_the_calendars_named_is_refused(acct, cli):
    second = acct.add_calendar()
    svc = acct.upsert_services({"remote_id": "s", "name": "Consult", "duration": 20},
                               calendar_id=second)[0]
    expect_error(put(acct, calendars=[acct.calendar_id], services=[svc["id"]]), 422, "services")
    assert_cli_failed(cli.run("booking", "enable", "--center", str(acct.center_id),
                              "--calendar", str(acct.calendar_id), "--service", str(svc["id"])))
    assert settings(acct) == DEFAULTS
    expect(put(acct, calendars=[second], services=[svc["id"]]), 200)
