"""Restart PostgreSQL under load and count what the users saw.

    python ops/restart_drill.py --url http://127.0.0.1:8000 --username konnerud-il \
        --password … --restart "sudo systemctl restart postgresql" [--seconds 30 --clients 4]

Logs in, then has ``--clients`` threads load the dashboard without pause. After a third of the
time it runs ``--restart``. It prints, per second, how many answers were 200, 503 or anything
else, and the slowest answer: while the database is away the portal should answer 503 quickly,
and afterwards nothing but 200, without restarting the app.
"""

import argparse
import collections
import http.cookiejar
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def logged_in_opener(url: str, username: str, password: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{url}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(f"{url}/accounts/login/", data=form, headers={"Referer": url})
    opener.open(request)
    if not any(cookie.name == "sessionid" for cookie in jar):
        raise SystemExit("Could not log in.")
    return opener


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--restart", required=True, help="Shell command that restarts PostgreSQL.")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=4)
    arguments = parser.parse_args()

    opener = logged_in_opener(arguments.url, arguments.username, arguments.password)
    started = time.monotonic()
    results = collections.defaultdict(collections.Counter)
    slowest = collections.defaultdict(float)
    lock = threading.Lock()

    def load() -> None:
        while (now := time.monotonic() - started) < arguments.seconds:
            begin = time.monotonic()
            try:
                status = opener.open(f"{arguments.url}/", timeout=30).status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = "error"
            took = time.monotonic() - begin
            with lock:
                results[int(now)][status] += 1
                slowest[int(now)] = max(slowest[int(now)], took)

    threads = [threading.Thread(target=load) for _ in range(arguments.clients)]
    for thread in threads:
        thread.start()
    time.sleep(arguments.seconds / 3)
    restart_at = time.monotonic() - started
    subprocess.run(arguments.restart, shell=True, check=True)
    restarted_at = time.monotonic() - started
    for thread in threads:
        thread.join()

    print(f"PostgreSQL restart from {restart_at:.1f} s to {restarted_at:.1f} s")
    print("second  200   503  other  slowest")
    totals = collections.Counter()
    for second in sorted(results):
        counts = results[second]
        totals.update(counts)
        other = sum(n for status, n in counts.items() if status not in (200, 503))
        print(
            f"{second:>6}  {counts[200]:>4}  {counts[503]:>4}  {other:>5}  "
            f"{slowest[second] * 1000:>6.0f} ms"
        )
    other = sum(n for status, n in totals.items() if status not in (200, 503))
    print(f"total   {totals[200]:>4}  {totals[503]:>4}  {other:>5}")
    last = [results[second] for second in sorted(results)][-5:]
    if any(status != 200 for counts in last for status in counts):
        raise SystemExit("Not recovered: the last five seconds were not all 200.")


if __name__ == "__main__":
    main()
