"""``python -m videorl.tasks.suite``: generate the think variants and print their folder.

For the ``--include_path`` route (videorl's entry-point hook not in use)::

    lmms-eval --include_path "$(python -m videorl.tasks.suite)" --tasks videorl_video_mtr_suite ...
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m videorl.tasks.suite", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    from videorl.tasks.suite import derived_dir

    print(derived_dir())
    return 0


if __name__ == "__main__":
    sys.exit(main())
