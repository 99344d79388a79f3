"""``python -m simulation.serve``: the classroom page's server (``simulation.classroom.serve``)."""

from simulation.classroom.serve import main

if __name__ == "__main__":
    raise SystemExit(main())
