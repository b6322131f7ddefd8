"""Make the line to paste under ``[staff_passcodes]`` in secrets.

    python -m hcsp_engage.passcode --role officer

reads the passcode (hidden when typed at a terminal, otherwise one line of standard input) and prints,
as its last line, ``officer = "scrypt$..."``. Only the hash is ever stored.
"""

from __future__ import annotations

import argparse
import getpass
import sys

# security, not auth: this tool runs on the server without Streamlit.
from hcsp_engage.security import ROLES, hash_passcode

MIN_LENGTH = 10


def read_passcode() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Passcode: ")
        again = getpass.getpass("Passcode again: ")
        if first != again:
            raise SystemExit("The two passcodes differ; nothing was printed.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=ROLES, default="officer", help="which role the passcode opens")
    args = parser.parse_args(argv)
    passcode = read_passcode()
    if len(passcode) < MIN_LENGTH:
        print(f"Choose a passcode of at least {MIN_LENGTH} characters.", file=sys.stderr)
        return 2
    print("Paste this line under [staff_passcodes] in .streamlit/secrets.toml:", file=sys.stderr)
    print(f'{args.role} = "{hash_passcode(passcode)}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
