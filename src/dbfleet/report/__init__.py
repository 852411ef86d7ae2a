"""What a run did: per-test outcomes, workers and times, and database provisioning."""
