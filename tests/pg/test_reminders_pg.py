"""Patient messages from several servers on one PostgreSQL database
(issue 12): their dispatchers claim due messages with a lease taken under
`FOR UPDATE SKIP LOCKED`, so a burst is delivered exactly once however the
claims race.  The peers and the clock are those of tests/api/test_reminders.py
(reminders_support.py): counts are made at the SMTP server, by Message-ID."""

import re
import time

from reminders_support import (Practice, SmtpSink, count_by_message_id, local, message_id_for,
                               wait_until)

BURST = 1000
DAY = 86400


def test_two_servers_deliver_every_message_of_a_burst_exactly_once(agenda_bin, cluster,
                                                                   tmp_path):
    smtp = SmtpSink().start()
    start = local(2026, 6, 3, "10:00")
    p = Practice(agenda_bin, tmp_path, local(2026, 6, 1, "08:00"), smtp)
    try:
        p.settings("email 24h")
        servers = [p.serve(), p.serve()]
        patients = p.patients_collection([{"remote_id": f"b-{i}", "first_name": "Burst",
                                           "last_name": str(i), "email": f"b-{i}@example.net",
                                           "phone_number": "", "language_code": "en"}
                                          for i in range(BURST)])
        p.collection([{"remote_id": f"a-{i}", "start": str(start), "stop": str(start + 900),
                       "patient_remote_id": pt["remote_id"]} for i, pt in enumerate(patients)])
        listed = p.messages()
        assert len(listed) == BURST and {m["state"] for m in listed} == {"pending"}
        expected = {message_id_for(m["id"]) for m in listed}

        p.clock.set(start - DAY)
        wait_until(lambda: smtp.count() >= BURST, timeout=120, what=f"{BURST} emails")
        # then past the lease (300 s): a message sent but whose outcome was
        # never recorded would be claimed and sent again now
        time.sleep(1)
        p.clock.advance(301)
        time.sleep(2)

        by_id = count_by_message_id(smtp.received())
        assert set(by_id) == expected
        twice = {k: n for k, n in by_id.items() if n != 1}
        assert not twice, f"{len(twice)} messages delivered more than once: {list(twice)[:5]}"
        states = {}
        for m in p.messages():
            states[m["state"]] = states.get(m["state"], 0) + 1
        assert states == {"sent": BURST}
        assert sorted(m["To"] for m in smtp.received()) == sorted(pt["email"]
                                                                 for pt in patients)
        # both servers' dispatchers took part (each logs the messages it sent)
        sent_by = [len(re.findall(r"agenda: message \d+ \(reminder, email, appointment \d+\): "
                                  r"sent\n", srv.log_tail(1 << 24))) for srv in servers]
        assert sum(sent_by) == BURST and min(sent_by) > 0, sent_by
    finally:
        p.stop()
        smtp.stop()
