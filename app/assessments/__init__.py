"""Assessments: vendor risk against the cabinet's four considerations, per vendor and per deployed scanner."""
