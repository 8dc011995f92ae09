"""`rnn-tui race`: the standings table (table.py), the headless reporter (report.py) and the
race screen of the app (app.py). The race itself is engine/racing/race.py."""
