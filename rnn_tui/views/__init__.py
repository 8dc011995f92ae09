"""One view per task family: a DashboardScreen subclass with its panels, keys and events,
registered beside its engine family in engine/families (the `view` of its entry)."""
