"""``dbfleet audit-ci``: the test suite a CI set-up runs twice for one commit, found by reading
the workflow files (nothing runs).

- ``workflows``: the YAML files as workflows, jobs, steps and triggers, each with its line;
- ``commands``: the test commands a step's ``run:`` script runs, by simple shell parsing;
- ``checks``: the findings, one per line, each with both places and the fix.
"""
