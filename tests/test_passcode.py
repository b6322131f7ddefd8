import subprocess
import sys

from hcsp_engage import security


def run_cli(*args: str, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hcsp_engage.passcode", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cli_prints_a_line_to_paste_whose_hash_verifies():
    result = run_cli("--role", "board", stdin="a board passcode 2026\n")
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    role, _, quoted = last.partition(" = ")
    assert role == "board"
    assert quoted.startswith('"') and quoted.endswith('"')
    assert security.verify_passcode("a board passcode 2026", quoted.strip('"'))
    assert "a board passcode 2026" not in result.stdout + result.stderr


def test_the_cli_makes_an_officer_line_by_default():
    result = run_cli(stdin="an officer passcode\n")
    assert result.stdout.strip().splitlines()[-1].startswith('officer = "scrypt$')


def test_the_cli_refuses_a_short_passcode():
    result = run_cli(stdin="short\n")
    assert result.returncode != 0
    assert "scrypt$" not in result.stdout
    assert "at least" in result.stderr


def test_the_cli_runs_without_importing_streamlit():
    # The tool runs on the server to make a hash; it must not need (or start) the web app's stack.
    # -X importtime lists on standard error every module the run imports.
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hcsp_engage.passcode"],
        input="a long enough passcode\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip().splitlines()[-1].startswith('officer = "scrypt$'), result.stderr
    imported = [
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "import time:" in line
    ]
    assert "hcsp_engage.security" in imported  # the listing works
    assert not [module for module in imported if module.split(".")[0] == "streamlit"]
