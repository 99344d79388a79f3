"""``python -m simulation.classroom``: serve the classroom page (see ``serve``)."""

from simulation.classroom.serve import main

if __name__ == "__main__":
    raise SystemExit(main())
