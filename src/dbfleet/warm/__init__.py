"""Warm workers: xdist workers that start in interpreters which imported their third-party
modules while the controller was still starting.

An xdist worker spends seconds before its first test: it starts Python, imports pytest and the
plugins, imports the conftests (and with them the app and its libraries) and collects. Those
libraries are the same in every worker and every run. With ``dbfleet_warm_workers`` the
controller starts one interpreter per worker as soon as dbfleet loads (``pool``), each importing
the modules a previous run's workers imported from outside the project (``modules``): never the
project's own modules, so ``DATABASE_URL`` is still exported before any conftest is imported,
and never a pytest plugin's, which pytest must import itself to rewrite its asserts. xdist then
starts each worker through a launcher (``launch``), given as the worker's ``python``: it hands
its pipes and environment to a waiting interpreter (``interpreter``), which becomes the worker.
xdist sees an ordinary ``popen`` worker; when no warm interpreter answers, the launcher runs the
worker in a fresh Python as if dbfleet were not there.
"""
