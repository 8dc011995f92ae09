"""Racing configurations side by side: racers.py (who races: --models, --vary, files),
race.py (running them on shared CPUs, equal steps) and standings.py (the ranking)."""
