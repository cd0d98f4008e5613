"""The service definitions in deploy/agent parse and start `taskloom-agent run` the same way."""

from __future__ import annotations

import configparser
import plistlib
import xml.etree.ElementTree as ET
from pathlib import Path

from taskloom.agent.runner import EXIT_REVOKED

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "agent"


def test_systemd_user_unit() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(DEPLOY / "linux" / "taskloom-agent.service")
    service = unit["Service"]
    assert service["ExecStart"].endswith("taskloom-agent run")
    assert service["KillSignal"] == "SIGTERM"
    assert service["RestartPreventExitStatus"] == str(EXIT_REVOKED)
    assert unit["Install"]["WantedBy"] == "graphical-session.target"  # a user session unit


def test_macos_launch_agent() -> None:
    with (DEPLOY / "macos" / "uk.taskloom.agent.plist").open("rb") as fh:
        plist = plistlib.load(fh)
    assert plist["ProgramArguments"][-2:] == ["/usr/local/bin/taskloom-agent", "run"][-2:]
    assert plist["RunAtLoad"] is True and plist["LimitLoadToSessionType"] == "Aqua"


def test_windows_logon_task() -> None:
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    root = ET.parse(DEPLOY / "windows" / "taskloom-agent-task.xml").getroot()
    assert root.find("t:Triggers/t:LogonTrigger", ns) is not None
    exec_ = root.find("t:Actions/t:Exec", ns)
    assert exec_ is not None
    assert (exec_.findtext("t:Command", namespaces=ns) or "").endswith("taskloom-agent.exe")
    assert exec_.findtext("t:Arguments", namespaces=ns) == "run"
    assert root.findtext("t:Principals/t:Principal/t:RunLevel", namespaces=ns) == "LeastPrivilege"
