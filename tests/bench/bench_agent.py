"""Agent overhead under real X input: CPU % of one core, RSS, events/s shipped.

`taskloom-agent run` under Xvfb (openbox, a Tk window) with its real hooks, shipping to a
real `taskloom serve` on loopback, while xdotool types and clicks at 2 and at 50 input
events per second. The peer, measured in the same run over the same input, is a bare
pynput process: pynput's hooks with empty callbacks (the floor any pynput-based agent
pays). Measured too: a bare process with the agent's own Linux hook (``XRecordInput``,
empty sink), so the agent's figure splits into hook and the rest, and a second
``taskloom-agent run`` forced onto its pynput fallback (the agent as it was before the
X RECORD hook), so the change is compared within one run.
Goals (issue 4): ≤ 1 % of a core at 2 ev/s, ≤ 3 % at 50 ev/s, RSS ≤ 60 MB.

    .venv/bin/python tests/bench/bench_agent.py [--quick] [--seconds N]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.agent.harness import AgentProcess, open_tk_window  # noqa: E402
from tests.support.collector import LiveCollector  # noqa: E402
from tests.support.ports import wait_for  # noqa: E402
from tests.support.xserver import XServer  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
GOALS = {2: 1.0, 50: 3.0}
RSS_GOAL_MB = 60.0

BARE_HOOKS = """
import time
from pynput import keyboard, mouse
m = mouse.Listener(on_click=lambda *a: None, on_scroll=lambda *a: None); m.start()
k = keyboard.Listener(on_press=lambda k: None, on_release=lambda k: None); k.start()
while True:
    time.sleep(3600)
"""

BARE_XRECORD = """
import time
from taskloom.agent.capture.xrecord import XRecordInput
class EmptySink:
    def click(self, x, y, button): pass
    def scroll(self, x, y, dx, dy): pass
    def key(self, stroke): pass
XRecordInput().start(EmptySink())
while True:
    time.sleep(3600)
"""

# `taskloom-agent run` with the Linux backend selection told there is no usable X RECORD
# hook, so it takes the pynput fallback.
PYNPUT_AGENT = """
import sys
import taskloom.agent.capture
taskloom.agent.capture._x11_inputs = lambda: None
from taskloom.agent.cli import main
sys.exit(main(["run"]))
"""


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process (all its threads), in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Sample:
    rate: int
    seconds: float
    input_events: int
    cpu_pct: float
    rss_mb: float
    hwm_mb: float
    shipped: int
    peer_cpu_pct: float
    peer_rss_mb: float
    hook_cpu_pct: float
    legacy_cpu_pct: float
    legacy_hwm_mb: float
    legacy_shipped: int


def drive_input(rate: int, seconds: float, env: dict[str, str]) -> int:
    """xdotool key presses (4 in 5) and left clicks (1 in 5) at ``rate`` events/s.

    Input goes in chunks (one xdotool process per chunk, paced from here), so the rate
    holds over the run whatever xdotool's own per-command cost is. Returns events sent.
    """
    chunk_s = max(1.0, 10.0 / rate)
    keys = max(round(0.8 * rate * chunk_s), 1)
    clicks = max(round(0.2 * rate * chunk_s), 1)
    key_delay = int(0.6 * chunk_s * 1000 / keys)
    click_delay = int(0.2 * chunk_s * 1000 / clicks)
    letters = [chr(ord("a") + i % 26) for i in range(keys)]
    start = time.monotonic()
    sent = 0
    chunk = 0
    while time.monotonic() - start < seconds:
        subprocess.run(["xdotool", "key", "--delay", str(key_delay), *letters], env=env, check=True)
        subprocess.run(["xdotool", "click", "--repeat", str(clicks), "--delay", str(click_delay), "1"],
                       env=env, check=True)
        sent += keys + clicks
        chunk += 1
        pause = start + chunk * chunk_s - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    return sent


def shipped_by(collector: LiveCollector, device_id: str) -> int:
    """UI events the collector has stored from one device."""
    with sqlite3.connect(f"file:{collector.db_path}?mode=ro", uri=True, timeout=30) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM ui_events WHERE device_id = ?",
                                (device_id,)).fetchone()[0])


def start_pynput_agent(agent: AgentProcess) -> None:
    with agent.output.open("ab") as log:
        agent.proc = subprocess.Popen([sys.executable, "-c", PYNPUT_AGENT], env=agent.env, cwd=ROOT,
                                      stdout=log, stderr=subprocess.STDOUT)


def measure(rate: int, seconds: float, agent: AgentProcess, legacy: AgentProcess,
            collector: LiveCollector, env: dict[str, str], wid: str) -> Sample:
    peer = subprocess.Popen([sys.executable, "-c", BARE_HOOKS], env=env)
    hook = subprocess.Popen([sys.executable, "-c", BARE_XRECORD], env=env, cwd=ROOT)
    ids = {a: str(a.status()["device_id"]) for a in (agent, legacy)}
    before = {a: shipped_by(collector, ids[a]) for a in (agent, legacy)}
    agent.start()
    start_pynput_agent(legacy)
    assert agent.proc is not None and legacy.proc is not None
    for a in (agent, legacy):
        wait_for(lambda a=a: shipped_by(collector, ids[a]) > before[a], 60, "the agent's first events")
    subprocess.run(["xdotool", "windowactivate", "--sync", wid, "mousemove", "--window", wid,
                    "200", "60"], env=env, check=True)
    time.sleep(1.0)  # let start-up work settle before the measured window
    pids = (agent.proc.pid, peer.pid, hook.pid, legacy.proc.pid)
    t0, c0 = time.monotonic(), [cpu_ticks(pid) for pid in pids]
    events = drive_input(rate, seconds, env)
    t1, c1 = time.monotonic(), [cpu_ticks(pid) for pid in pids]
    rss, hwm = rss_mb(agent.proc.pid), rss_mb(agent.proc.pid, "VmHWM")
    peer_rss, legacy_hwm = rss_mb(peer.pid), rss_mb(legacy.proc.pid, "VmHWM")
    assert agent.terminate() == 0  # SIGTERM flushes the spool
    assert legacy.terminate() == 0
    for proc in (peer, hook):
        proc.terminate()
        proc.wait(10)
    wall = t1 - t0
    cpu = [100 * (b - a) / CLK_TCK / wall for a, b in zip(c0, c1, strict=True)]
    return Sample(rate, wall, events, cpu[0], rss, hwm, shipped_by(collector, ids[agent]) - before[agent],
                  cpu[1], peer_rss, cpu[2], cpu[3], legacy_hwm,
                  shipped_by(collector, ids[legacy]) - before[legacy])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 5 s per rate")
    parser.add_argument("--seconds", type=float, help="input seconds per rate (default 60)")
    args = parser.parse_args(argv)
    seconds = args.seconds or (5.0 if args.quick else 60.0)
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="bench-agent-") as tmpname:
        tmp = Path(tmpname)
        xserver = XServer.start(tmp)
        display, env = xserver.display, xserver.env
        collector = LiveCollector(None, tmp / "collector")
        window = None
        try:
            collector.setup_study()
            collector.start()
            agent = AgentProcess(tmp / "home", display=display)
            agent.enroll(collector)
            legacy = AgentProcess(tmp / "home-pynput", display=display)
            legacy.enroll(collector)
            window = open_tk_window(env, "Bench chart")
            wid = subprocess.run(["xdotool", "search", "--onlyvisible", "--classname", "ehrdemo"],
                                 env=env, capture_output=True, text=True, check=True).stdout.split()[0]
            for rate in (2, 50):
                samples.append(measure(rate, seconds, agent, legacy, collector, env, wid))
        finally:
            if window is not None:
                window.terminate()
            collector.stop()
            xserver.stop()
    print(f"agent overhead: taskloom-agent run vs bare pynput hooks (peer), {seconds:.0f} s of xdotool input per rate")
    print(f"{'rate ev/s':>9} {'actual':>6} {'input':>6} {'agent CPU%':>10} {'peer CPU%':>9} {'hook CPU%':>9} "
          f"{'pynput-agent CPU%':>17} {'agent RSS MB':>12} {'peak MB':>8} {'peer RSS MB':>11} "
          f"{'pynput-agent peak MB':>20} {'shipped ev/s':>12} {'pynput-agent shipped':>20}")
    for s in samples:
        print(f"{s.rate:>9} {s.input_events / s.seconds:>6.1f} {s.input_events:>6} {s.cpu_pct:>10.2f} "
              f"{s.peer_cpu_pct:>9.2f} {s.hook_cpu_pct:>9.2f} {s.legacy_cpu_pct:>17.2f} {s.rss_mb:>12.1f} "
              f"{s.hwm_mb:>8.1f} {s.peer_rss_mb:>11.1f} {s.legacy_hwm_mb:>20.1f} {s.shipped / s.seconds:>12.2f} "
              f"{s.legacy_shipped / s.seconds:>20.2f}")
    print("peer: bare pynput hooks, empty callbacks; hook: bare XRecordInput (the agent's Linux hook), "
          "empty sink; pynput-agent: taskloom-agent run on its pynput fallback")
    for s in samples:
        cpu_ratio = s.peer_cpu_pct / s.cpu_pct if s.cpu_pct > 0 else float("inf")
        print(f"ratio peer/taskloom at {s.rate} ev/s: cpu {cpu_ratio:.2f} rss {s.peer_rss_mb / s.rss_mb:.2f}")
    for s in samples:
        cpu_ratio = s.legacy_cpu_pct / s.cpu_pct if s.cpu_pct > 0 else float("inf")
        print(f"ratio pynput-agent/taskloom at {s.rate} ev/s: cpu {cpu_ratio:.2f}")
    for s in samples:
        goal = GOALS[s.rate]
        verdict = "meets" if s.cpu_pct <= goal and s.hwm_mb <= RSS_GOAL_MB else "MISSES"
        print(f"goal at {s.rate} ev/s: CPU {s.cpu_pct:.2f}% of a core (goal <= {goal}%), peak RSS "
              f"{s.hwm_mb:.1f} MB (goal <= {RSS_GOAL_MB:.0f} MB): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
