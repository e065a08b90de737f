"""Enrolment's pure domain: rules about officers, offerings and enrolments. Standard library
only: no Kafka, no database, no framework."""
