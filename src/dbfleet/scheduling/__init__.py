"""Duration-aware scheduling: the duration store, units, the longest-first queue, shard plans.

Pure logic, no pytest import: ``plugin.py`` feeds it collected nodeids and phase reports, and
turns its answers into xdist dispatch, shard selection and the ``dbfleet plan`` output.
"""
