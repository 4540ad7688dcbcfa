"""MVDS (minimum viable data sync) as status-go uses it: the codec and a sans-IO node."""
