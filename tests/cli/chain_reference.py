# The reference check of docs/CHAIN.md "Checking a SQLite store without fengqiao", kept
# identical to the document's script but for the file name, which comes from the command
# line: exits 0 when every chain of the store holds, with an AssertionError naming the case
# and event otherwise. Run by tests/cli/verify.cmake.
import hashlib, json, sqlite3, struct, datetime

def u64(n): return struct.pack(">Q", n)
def i64(n): return struct.pack(">q", n)
def s(t): b = t.encode(); return u64(len(b)) + b
def opt(v, f): return b"\0" if v is None else b"\1" + f(v)
def js(v):
    if v is None: return b"n"
    if v is True: return b"t"
    if v is False: return b"f"
    if isinstance(v, int): return (b"i" + i64(v)) if v < 2**63 else (b"u" + u64(v))
    if isinstance(v, float): return b"d" + struct.pack(">d", v)
    if isinstance(v, str): return b"s" + s(v)
    if isinstance(v, list): return b"a" + u64(len(v)) + b"".join(js(x) for x in v)
    keys = sorted(v, key=lambda k: k.encode())
    return b"o" + u64(len(keys)) + b"".join(s(k) + js(v[k]) for k in keys)

def encode(e):
    at = int(datetime.datetime.fromisoformat(e["at"]).timestamp())
    actor = e.get("actor")
    return (s(e["case"]) + u64(e["seq"]) + i64(at) + s(e["type"]) + opt(e.get("action"), s)
            + opt(actor, lambda a: s(a["id"]) + s(a["role"]) + s(a.get("org", "")))
            + js(e.get("data", {})) + opt(e.get("stage"), s) + i64(e.get("level", 0))
            + u64(len(e.get("notified", []))) + b"".join(s(x) for x in e.get("notified", []))
            + s(e["state_after"])
            + u64(len(e.get("notice", []))) + b"".join(s(x) for x in e.get("notice", []))
            + opt(e.get("supervision_after"), s))

import sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for case_id, snapshot in db.execute("SELECT id, snapshot FROM cases ORDER BY id"):
    head = hashlib.sha256(b"fengqiao.chain.v1.genesis\0" + case_id.encode()).digest()
    for k, (text,) in enumerate(db.execute("SELECT json FROM events WHERE case_id = ? ORDER BY seq", (case_id,)), 1):
        e = json.loads(text)
        assert e["seq"] == k, f"{case_id}: event {k} is missing or out of place"
        head = hashlib.sha256(b"fengqiao.chain.v1.event\0" + head + encode(e)).digest()
        assert e.get("hash") == head.hex(), f"{case_id}: event {k} does not match its hash"
    assert json.loads(snapshot).get("chain_head", "") == (head.hex() if k else ""), f"{case_id}: head"
