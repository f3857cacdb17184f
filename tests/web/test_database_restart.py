"""PostgreSQL restarted under load: every answer is the page or a clear 503, never a 500."""
from __future__ import annotations

import collections
import threading
import time

from tests.conftest import Staff


def test_a_database_restart_answers_503_never_500(make_app, own_postgres):
    """Attack: one 500 among the 503s of a PostgreSQL restart."""
    url, restart = own_postgres
    app = make_app(DATABASE_URL=url)
    staff = Staff(app)
    staff.create()
    headers = {"Authorization": f"Bearer {staff.token()}"}
    app.test_client().post("/api/v1/patients", json={"name": "First"}, headers=headers)
    statuses: collections.Counter = collections.Counter()
    stop = time.monotonic() + 12

    def clinic_day(n: int) -> None:
        api, web = app.test_client(), staff.login(app.test_client())
        while time.monotonic() < stop:
            for client, method, path, body in ((api, "GET", "/api/v1/patients", None),
                                               (api, "POST", "/api/v1/patients", {"name": f"P{n}"}),
                                               (web, "GET", "/patients/1", None), (web, "GET", "/patients", None)):
                try:
                    statuses[client.open(path, method=method, json=body, headers=headers).status_code] += 1
                except Exception as error:  # escaped the app: a 500 from the server
                    statuses[type(error).__name__] += 1

    workers = [threading.Thread(target=clinic_day, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    for _ in range(2):
        time.sleep(3)
        restart()
    for worker in workers:
        worker.join()
    assert set(statuses) <= {200, 201, 503}, statuses
    assert statuses[503] > 0 and statuses[200] > 0  # the restart was felt, and the app came back
