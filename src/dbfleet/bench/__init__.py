"""``dbfleet bench``: run a suite in several modes and compare speed and outcomes honestly."""
