"""The evaluation domain: competencies, CUP components, eligibility and expiry. Pure Python."""
