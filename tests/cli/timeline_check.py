"""Checks `fengqiao timeline` pictures with a real XML parser.

  timeline_check.py case CLI HISTORY CASE WORK [--pause]
      draws CASE of HISTORY into WORK/<CASE>.svg (other characters than [A-Za-z0-9._-] as _) and to stdout, and checks: the same
      document both ways, well-formed XML, every event of the case (from `show --json`) a
      mark whose <title> names its kind and instant, a deadline marker per stage clock
      started, and with --pause at least one shaded pause.
  timeline_check.py files GLOB MINIMUM
      at least MINIMUM files match GLOB (the demo's pictures) and each parses.
"""
import datetime
import glob
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
# LIFECYCLE.md "Deadline rules", "starts at" (follow_up only when it reopens the case).
STARTS_CLOCK = {"register", "return", "dispatch", "transfer", "accept", "start_consultation", "resolve_on_spot",
                "decline", "resolve", "refer", "give_feedback", "reopen"}


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def classes(element):
    return element.get("class", "").split()


def check_case(cli, history, case, work, pause):
    out = f"{work}/{re.sub(r'[^A-Za-z0-9._-]', '_', case)}.svg"
    drawn = subprocess.run([cli, "timeline", case, "--history", history, "--out", out], capture_output=True)
    if drawn.returncode != 0:
        fail(f"timeline --out exit {drawn.returncode}: {drawn.stderr.decode()}")
    stdout = subprocess.run([cli, "timeline", case, "--history", history], capture_output=True, check=True).stdout
    with open(out, "rb") as f:
        if f.read() != stdout:
            fail("--out and standard output differ")
    root = ET.fromstring(stdout)
    shown = subprocess.run([cli, "show", case, "--history", history, "--json"], capture_output=True, check=True)
    events = json.loads(shown.stdout)["events"]

    titles = [g.find(SVG + "title").text for g in root.iter(SVG + "g") if "event" in classes(g)]
    if len(titles) != len(events):
        fail(f"{len(titles)} event marks for {len(events)} events")
    china = datetime.timezone(datetime.timedelta(hours=8))
    for e in events:
        kind = e["action"] if e["type"] == "action" else e["type"]
        at = datetime.datetime.fromisoformat(e["at"].replace("Z", "+00:00")).astimezone(china).isoformat()
        prefix = f"#{e['seq']} "
        title = next((t for t in titles if t.startswith(prefix)), None)
        if title is None or f" {kind}" not in title or at not in title:
            fail(f"event {prefix}{kind} at {at}: no mark names it (title: {title!r})")

    started = sum(1 for e in events if e["type"] == "action" and (
        e["action"] in STARTS_CLOCK or (e["action"] == "follow_up" and e["state_after"] != "closed")))
    deadlines = [line for line in root.iter(SVG + "line") if classes(line) == ["deadline"]]
    if len(deadlines) != started:
        fail(f"{len(deadlines)} deadline markers for {started} stage clocks started")
    for line in deadlines:
        if "deadline" not in line.find(SVG + "title").text:
            fail("a deadline marker without its title")
    pauses = [r for r in root.iter(SVG + "rect") if "pause" in classes(r) and r.find(SVG + "title") is not None]
    if pause and not pauses:
        fail("no shaded pause for a case whose clock stopped")
    print(f"{case}: {len(events)} events, {started} clocks, {len(pauses)} pauses: ok")


def check_files(pattern, minimum):
    files = sorted(glob.glob(pattern))
    if len(files) < minimum:
        fail(f"{len(files)} files match {pattern}, expected at least {minimum}")
    for name in files:
        root = ET.parse(name).getroot()
        if root.tag != SVG + "svg" or not any("event" in classes(g) for g in root.iter(SVG + "g")):
            fail(f"{name} is not a timeline")
        print(f"{name}: ok")


if __name__ == "__main__":
    if sys.argv[1] == "case":
        check_case(*sys.argv[2:6], pause="--pause" in sys.argv[6:])
    else:
        check_files(sys.argv[2], int(sys.argv[3]))
