"""Fond: publish an archival document collection as linked data. See README.md and --help."""

import sys

from fond.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
