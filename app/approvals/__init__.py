"""Four eyes on security-relevant changes: the approval policy and change requests."""
