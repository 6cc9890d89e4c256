"""The change log: append-only, hash-chained records of every inventory write, and reads of the past."""
