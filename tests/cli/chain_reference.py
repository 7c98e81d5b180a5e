# The reference check of docs/CHAIN.md "Checking a SQLite store without fengqiao", kept
# identical to the document's script but for the file name, which comes from the command
# line: exits 0 when every chain of the store holds, with an AssertionError naming the case
# and event otherwise. Run by tests/cli/verify.cmake.
import hashlib, sqlite3, struct

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

def encode(case_id, seq, e):
    actor = e["actor"]
    return (s(case_id) + u64(seq) + i64(e["at"]) + s(e["type"]) + opt(e["action"], s)
            + opt(actor, lambda a: s(a["id"]) + s(a["role"]) + s(a["org"]))
            + js(e["data"]) + opt(e["stage"], s) + i64(e["level"])
            + u64(len(e["notified"])) + b"".join(s(x) for x in e["notified"])
            + s(e["state_after"])
            + u64(len(e["notice"])) + b"".join(s(x) for x in e["notice"])
            + opt(e["supervision_after"], s))

# The events table's body (schema 5): docs/STORAGE.md "The compact encoding".
TYPES = "action deadline_warning deadline_overdue escalated".split()
ACTIONS = ("register resolve_on_spot decline dispatch accept return transfer start_consultation"
           " end_consultation suspend resume extend resolve refer give_feedback follow_up reopen"
           " withdraw supervise assign note").split()
ROLES = "intake grid_worker citizen dispatcher handler mediator supervisor admin".split()
STAGES = "dispatch accept handling consulting feedback follow_up".split()
STATES = "registered dispatched handling consulting suspended concluded feedback_given closed withdrawn".split()
SUPERVISION = "on_track warning overdue escalated".split()

class Blob:
    def __init__(self, b): self.b, self.p = b, 0
    def take(self, n): self.p += n; return self.b[self.p - n:self.p]
    def u8(self): return self.take(1)[0]
    def var(self):
        v, shift = 0, 0
        while True:
            c = self.u8(); v |= (c & 0x7F) << shift; shift += 7
            if c < 0x80: return v
    def i64(self): z = self.var(); return (z >> 1) ^ -(z & 1)
    def str(self): return self.take(self.var()).decode()
    def strs(self): return [self.str() for _ in range(self.var())]
    def enum(self, names): v = self.u8(); return None if v == 0xFF else names[v]
    def hash(self): f = self.u8(); return "" if f == 0 else self.take(32).hex() if f == 1 else self.str()
    def msgpack(self):
        c = self.u8()
        if c <= 0x7F: return c
        if c >= 0xE0: return c - 0x100
        if c <= 0x8F: return {self.msgpack(): self.msgpack() for _ in range(c & 0x0F)}
        if c <= 0x9F: return [self.msgpack() for _ in range(c & 0x0F)]
        if c <= 0xBF: return self.take(c & 0x1F).decode()
        if c in (0xC0, 0xC2, 0xC3): return {0xC0: None, 0xC2: False, 0xC3: True}[c]
        if c in (0xCA, 0xCB): return struct.unpack(">f" if c == 0xCA else ">d", self.take(4 if c == 0xCA else 8))[0]
        for first, signed in ((0xCC, ">BHIQ"), (0xD0, ">bhiq")):
            if first <= c < first + 4:
                return struct.unpack(signed[0] + signed[1 + c - first], self.take(1 << (c - first)))[0]
        n = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xDC: 2, 0xDD: 4, 0xDE: 2, 0xDF: 4}[c]
        count = int.from_bytes(self.take(n), "big")
        if c <= 0xDB: return self.take(count).decode()
        if c <= 0xDD: return [self.msgpack() for _ in range(count)]
        return {self.msgpack(): self.msgpack() for _ in range(count)}

def event_of(body):
    b = Blob(body)
    e = {"at": b.i64(), "type": TYPES[b.u8()], "action": b.enum(ACTIONS)}
    e["actor"] = {"id": b.str(), "role": ROLES[b.u8()], "org": b.str()} if b.u8() else None
    e["stage"], e["level"] = b.enum(STAGES), b.i64()
    e["notified"], e["notice"] = b.strs(), b.strs()
    e["state_after"], e["supervision_after"] = STATES[b.u8()], b.enum(SUPERVISION)
    e["hash"], e["data"] = b.hash(), b.msgpack()
    assert b.p == len(body), "bytes after the event's data"
    return e

import sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for case_id, snapshot in db.execute("SELECT id, snapshot FROM cases ORDER BY id"):
    head = hashlib.sha256(b"fengqiao.chain.v1.genesis\0" + case_id.encode()).digest()
    k = 0
    for seq, body in db.execute("SELECT seq, body FROM events WHERE case_id = ? ORDER BY seq", (case_id,)):
        k += 1
        assert seq == k, f"{case_id}: event {k} is missing or out of place"
        e = event_of(body)
        head = hashlib.sha256(b"fengqiao.chain.v1.event\0" + head + encode(case_id, k, e)).digest()
        assert e["hash"] == head.hex(), f"{case_id}: event {k} does not match its hash"
    # The snapshot's last field is its chain head: 1 and 32 raw bytes, or 0 when it has none.
    assert snapshot[-33:] == b"\1" + head if k else snapshot[-1:] == b"\0", f"{case_id}: head"
