"""The capture-to-spool path with injected windows and input (agent/recorder.py)."""

from __future__ import annotations

import zlib
from pathlib import Path

from taskloom.agent.capture import Rect, VisibleWindow
from taskloom.agent.capture.screen import decrypt
from taskloom.agent.keys import classify
from taskloom.agent.protocol import keyed_token, parse_event
from taskloom.agent.spool import Spool
from tests.agent.factories import (
    FAKE_NHS,
    SECRET,
    STUDY_KEY,
    ManualClock,
    ScriptedWindows,
    SolidScreen,
    iter_files,
    make_policy,
    recorder_for,
    spooled_kinds,
    window,
)

NONE: frozenset[str] = frozenset()


def _type(rec: object, text: str, clock: ManualClock) -> None:
    for ch in text:
        clock.advance(50)
        rec.key(classify(None, ch, None, NONE))  # type: ignore[attr-defined]


def test_focus_title_is_tokenised_and_typing_is_a_burst_without_characters(spool: Spool, tmp_path: Path) -> None:
    clock = ManualClock()
    rec = recorder_for(spool, windows=ScriptedWindows(window()), clock=clock)
    rec.click(101, 203, "left")
    _type(rec, SECRET, clock)
    rec.pump(0)
    clock.advance(5000)
    rec.pump(0)  # the burst's gap has passed
    events = [e.body for e in spool.all_events()]
    assert [e["kind"] for e in events] == ["capture_start", "focus", "click", "typing"]
    token = keyed_token(STUDY_KEY, "9434765919", prefix="NHS")
    focus = events[1]
    assert focus["title"] == f"Patient {token} - Chart" and focus["app"] == "ehr"
    click = events[2]
    assert (click["x"], click["y"], click["button"]) == (100, 200, "left")
    typing = events[3]
    assert typing["attrs"]["counts"] == {"letter": 17, "digit": 1, "space": 2}
    start, end = parse_event(typing).ts, typing["attrs"]["end_ts"]
    first_key = clock.now - 5000 - 50 * (len(SECRET) - 1)
    assert start % 1000 == 0 and end % 1000 == 0  # whole seconds only
    assert start <= first_key and end >= first_key + 50 * (len(SECRET) - 1) and end - start <= 3000
    assert all(parse_event(e) for e in events)  # every event passes the wire contract
    assert {e["user"] for e in events} == {keyed_token(STUDY_KEY, "alice", prefix="U")}
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(e["event_id"] for e in events)) == len(events)
    spool.close()
    for path in iter_files(tmp_path):
        data = path.read_bytes()
        for needle in (SECRET, "hunter2", "Quokka", FAKE_NHS, "9434765919"):
            assert needle.encode() not in data, (needle, path)


def test_shortcuts_copy_and_paste_by_name(spool: Spool) -> None:
    clock = ManualClock()
    rec = recorder_for(spool, windows=ScriptedWindows(window()), clock=clock)
    for char, held in (("c", {"ctrl"}), ("v", {"ctrl"}), ("x", {"ctrl"}), ("s", {"ctrl"})):
        clock.advance(100)
        rec.key(classify(None, char, None, frozenset(held)))
    rec.pump(0)
    events = [e.body for e in spool.all_events()][2:]
    assert [(e["kind"], e["key_class"]) for e in events] == [
        ("copy", "ctrl+c"), ("paste", "ctrl+v"), ("copy", "ctrl+x"), ("shortcut", "ctrl+s")]
    assert events[2]["attrs"] == {"cut": True}


def test_clipboard_off_records_no_copy_paste(spool: Spool) -> None:
    rec = recorder_for(spool, make_policy(capture={"clipboard": False}), windows=ScriptedWindows(window()))
    rec.key(classify(None, "c", None, frozenset({"ctrl"})))
    rec.pump(0)
    assert "copy" not in spooled_kinds(spool)


def test_per_key_mode_sends_classes_only(spool: Spool) -> None:
    clock = ManualClock()
    rec = recorder_for(spool, make_policy(capture={"typing": "per_key"}), windows=ScriptedWindows(window()), clock=clock)
    _type(rec, "a1 ", clock)
    rec.pump(0)
    keys = [e.body for e in spool.all_events() if e.body["kind"] == "key"]
    assert [k["key_class"] for k in keys] == ["letter", "digit", "space"]


def test_typing_off_keeps_no_keys(spool: Spool) -> None:
    clock = ManualClock()
    rec = recorder_for(spool, make_policy(capture={"typing": "off"}), windows=ScriptedWindows(window()), clock=clock)
    _type(rec, "abc", clock)
    rec.close()
    assert not {"typing", "key"} & set(spooled_kinds(spool))


def test_denied_app_gives_only_an_other_focus_event(spool: Spool) -> None:
    windows = ScriptedWindows(window(title="Passwords - KeePassXC", app="keepassxc"))
    clock = ManualClock()
    rec = recorder_for(spool, make_policy(apps_deny=["KeePassXC"]), windows=windows, clock=clock)
    rec.click(10, 10, "left")
    _type(rec, "secret", clock)
    rec.close()
    events = [e.body for e in spool.all_events()]
    assert [e["kind"] for e in events] == ["capture_start", "focus"]
    assert events[1]["app"] == "other" and events[1]["title"] is None


def test_allow_list_excludes_other_apps(spool: Spool) -> None:
    windows = ScriptedWindows(window(app="firefox"))
    rec = recorder_for(spool, make_policy(apps_allow=["ehr"]), windows=windows)
    rec.click(1, 1, "left")
    rec.pump(0)
    assert [e.body["app"] for e in spool.all_events()] == [None, "other"]


def test_focus_change_closes_the_burst_and_titles_change_focus(spool: Spool) -> None:
    clock = ManualClock()
    windows = ScriptedWindows(window(wid=1))
    rec = recorder_for(spool, windows=windows, clock=clock)
    _type(rec, "ab", clock)
    rec.pump(0)
    windows.info = window(title="Inbox (3)", app="mail", wid=2)
    rec.observe_window(windows.info, clock())
    rec.pump(0)
    kinds = spooled_kinds(spool)
    assert kinds == ["capture_start", "focus", "typing", "focus"]
    assert list(spool.all_events())[-1].body["title"] == "Inbox (3)"


def test_idle_start_and_end_follow_the_policy_threshold(spool: Spool) -> None:
    clock = ManualClock()
    rec = recorder_for(spool, make_policy(idle_threshold_s=30), windows=ScriptedWindows(window()), clock=clock)
    rec.click(1, 1, "left")
    rec.pump(0)
    clock.advance(29_000)
    rec.pump(0)
    assert "idle_start" not in spooled_kinds(spool)
    clock.advance(2_000)
    rec.pump(0)
    clock.advance(10_000)
    rec.click(1, 1, "left")
    rec.pump(0)
    events = [e.body for e in spool.all_events()]
    assert [e["kind"] for e in events][-3:] == ["idle_start", "idle_end", "click"]
    assert events[-2]["attrs"]["idle_ms"] == 41_000


def test_input_is_dropped_in_the_hook_while_paused(spool: Spool) -> None:
    rec = recorder_for(spool, windows=ScriptedWindows(window()))
    rec.set_capturing(False, "paused")
    rec.click(1, 1, "left")  # dropped in the callback: capture is off
    rec.pump(0)
    rec.set_capturing(True, "resumed")
    rec.click(1, 1, "left")
    rec.pump(0)
    kinds = spooled_kinds(spool)
    assert kinds == ["capture_start", "focus", "capture_stop", "capture_start", "focus", "click"]


def test_spool_full_drops_oldest_events(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite3", max_bytes=3_000)
    clock = ManualClock()
    rec = recorder_for(spool, windows=ScriptedWindows(window()), clock=clock)
    for i in range(100):
        clock.advance(10)
        rec.click(i, i, "left")
        rec.pump(0)
    kept = list(spool.all_events())
    assert spool.dropped_total() == 102 - len(kept) > 0
    assert kept[-1].body["x"] == 80  # the newest click (x=99, coarse 80) is kept


def test_screenshots_only_for_allowed_apps_blacked_out_and_encrypted(spool: Spool) -> None:
    key = b"uCQ6dHcIqvwhZSN5G7zZ5hWZq8nEnlxWbPEK9Ad0Bhk="
    policy = make_policy(screenshots={"enabled": True, "apps_allow": ["ehr"], "max_width": 100, "interval_s": 1})
    windows = ScriptedWindows(window(), visible=[
        VisibleWindow("ehr", "Ehr", Rect(0, 0, 100, 100)),
        VisibleWindow("keepassxc", None, Rect(100, 0, 100, 100))])
    clock = ManualClock()
    rec = recorder_for(spool, policy, windows=windows, clock=clock, screens=SolidScreen(200, 100), screen_key=key)
    clock.advance(1500)
    rec.pump(0)
    shots = [e.body for e in spool.all_events() if e.body["kind"] == "screenshot"]
    assert len(shots) == 2  # one when capture started, one after the 1 s interval
    assert (shots[-1]["attrs"]["width"], shots[-1]["attrs"]["height"]) == (100, 50)
    blob_id = shots[-1]["attrs"]["blob_id"]
    assert [b[0] for b in spool.blob_ids()] == [s["attrs"]["blob_id"] for s in shots]
    encrypted = spool.blob(blob_id)
    assert encrypted is not None and b"PNG" not in encrypted
    png = decrypt(key, encrypted)
    assert png.startswith(b"\x89PNG")
    idat = png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8]
    raw = zlib.decompress(idat)
    row = raw[1:1 + 100 * 3]
    assert row[:3] == bytes([0xF0, 0x20, 0x10])  # the allowed window: its pixels (RGB)
    assert row[-3:] == b"\x00\x00\x00"           # the other app's window: black
    windows.info = window(app="firefox")
    clock.advance(5000)
    rec.pump(0)
    assert len(spool.blob_ids()) == 2  # no screenshot while a non-allow-listed app has focus
