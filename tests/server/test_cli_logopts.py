"""The shared LOG options of the taskloom CLI (server/cli/logopts.py) reading real logs."""

from __future__ import annotations

import argparse

import pytest

from taskloom.errors import UserError
from taskloom.mining.columns import ACTIVITY, CASE, RESOURCE
from taskloom.mining.errors import LogInputError
from taskloom.server.cli.base import CliError
from taskloom.server.cli.logopts import add_log_arguments, load_log


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="taskloom test")
    add_log_arguments(parser)
    return parser.parse_args(list(argv))


def test_csv_options_map_sepsis(shared_data):
    args = _parse(str(shared_data / "sepsis.csv"), "--case", "Case ID", "--activity", "Activity",
                  "--timestamp", "Complete Timestamp", "--resource", "org:group", "--sep", ";",
                  "--timezone", "Europe/Amsterdam")
    log = load_log(args)
    assert len(log) == 15214 and log[CASE].nunique() == 1050
    assert log[ACTIVITY].iloc[0] == "ER Registration" and RESOURCE in log.columns
    # 11:15:41 in Amsterdam (CEST, +02:00) on 22 October 2014
    assert str(log["time:timestamp"].iloc[0]) == "2014-10-22 09:15:41+00:00"


def test_xes_needs_no_options(shared_data):
    assert len(load_log(_parse(str(shared_data / "running-example.xes")))) == 42


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(CliError, match=r"nothing\.xes: no such file") as err:
        load_log(_parse(str(tmp_path / "nothing.xes")))
    assert isinstance(err.value, UserError)


def test_bad_column_is_a_user_error_naming_the_option(shared_data):
    with pytest.raises(LogInputError, match="--case 'Case ID'") as err:
        load_log(_parse(str(shared_data / "sepsis.csv")))
    assert isinstance(err.value, UserError)
